import { PUBLIC_KEY_LENGTH, SHA256_LENGTH, SIGNATURE_LENGTH } from '../crypto/index.js';
import { SESSION_ID_BYTES } from '../neo/index.js';
import { MessageKind, bytes, defineMessage, list, struct, u32, varBytes, type Infer } from '../wire/index.js';
import { MAX_PROCESS_ID_BYTES } from './executors.js';
import { MAX_MONSTERS } from './monster.js';
import { MonsterStepInputsCodec, ResultStatementCodec } from './statements.js';

/** A step's encoded result at most: 32 monsters (10 bytes each) and 64 events (6 bytes each), with their list headers. */
export const MAX_STEP_RESULT_BYTES = 2 + MAX_MONSTERS * 10 + 2 + MAX_MONSTERS * 2 * 6;

export const ComputeRequest = defineMessage({
  kind: MessageKind.computeRequest,
  name: 'compute-request',
  authenticated: true,
  summary:
    'a group asks one of the r executors drawn for a process and epoch to run one step: the draw (process id, epoch, agreed state hash) and the inputs (the area\'s seed, its monsters, the players\' agreed positions); answered by compute-result',
  body: struct({
    requestId: u32,
    processId: varBytes(MAX_PROCESS_ID_BYTES),
    epoch: u32,
    stateHash: bytes(SHA256_LENGTH),
    inputs: MonsterStepInputsCodec,
  }),
});
export type ComputeRequestBody = Infer<typeof ComputeRequest.body>;

export const ComputeResult = defineMessage({
  kind: MessageKind.computeResult,
  name: 'compute-result',
  authenticated: true,
  summary: "an executor's answer to a compute-request: its signed result statement (process, epoch, state hash, inputs digest, result digest) and the encoded result whose digest it signed",
  body: struct({
    requestId: u32,
    statement: ResultStatementCodec,
    signature: bytes(SIGNATURE_LENGTH),
    result: varBytes(MAX_STEP_RESULT_BYTES),
  }),
});
export type ComputeResultBody = Infer<typeof ComputeResult.body>;

/** The most executor signatures an outcome carries: r beyond this does not fit one datagram beside a full result. */
export const MAX_OUTCOME_SIGNERS = 4;

export const ComputeOutcome = defineMessage({
  kind: MessageKind.computeOutcome,
  name: 'compute-outcome',
  authenticated: true,
  summary:
    "a group's coordinator tells the group's members the result its r executors agreed on for a step: the group session, the round to vote in, the round whose state hash the draw used, the executors' common statement, their signatures and the encoded result; each member that finds it right votes for the step's effects in that round",
  body: struct({
    session: bytes(SESSION_ID_BYTES),
    round: u32,
    stateRound: u32,
    statement: ResultStatementCodec,
    signers: list(struct({ executor: bytes(PUBLIC_KEY_LENGTH), signature: bytes(SIGNATURE_LENGTH) }), MAX_OUTCOME_SIGNERS),
    result: varBytes(MAX_STEP_RESULT_BYTES),
  }),
});
export type ComputeOutcomeBody = Infer<typeof ComputeOutcome.body>;
