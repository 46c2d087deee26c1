import { PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH } from '../crypto/index.js';
import { MAX_CHANGING_GROUP_SIZE, MAX_NOTICE_BYTES } from '../groups/index.js';
import { SESSION_ID_BYTES } from '../neo/index.js';
import { MessageKind, bytes, defineMessage, list, struct, u16, u32, u8, utf8, varBytes, type Infer } from '../wire/index.js';

/** A leaf as "zone/path" on the wire: zone ids are at most 64 characters, paths at most 8 quarters. */
export const MAX_LEAF_BYTES = 80;

/** At most this many groups a border message introduces to its receiver. */
export const MAX_BORDER_HINTS = 8;

export const ZoneBorder = defineMessage({
  kind: MessageKind.zoneBorder,
  name: 'zone-border',
  authenticated: true,
  summary: "a leaf group's agreed positions of its players, sent by its leader to the groups of its zone whose leaves or players stand within reach of its players, so players near a border see across it; `near` introduces other groups whose players stand within reach of the receiver's (unordered)",
  body: struct({
    session: bytes(SESSION_ID_BYTES),
    leaf: utf8(MAX_LEAF_BYTES),
    /** The sender group's round whose agreed state the positions are from. */
    round: u32,
    players: list(struct({ publicKey: bytes(PUBLIC_KEY_LENGTH), x: u16, y: u16 }), MAX_CHANGING_GROUP_SIZE),
    /** Introductions: other groups of the zone whose players, as their leaders reported them to the sender, stand within reach of the receiving group's (sessions); the receiver's leader sends them its positions too. */
    near: list(bytes(SESSION_ID_BYTES), MAX_BORDER_HINTS),
  }),
});
export type ZoneBorderBody = Infer<typeof ZoneBorder.body>;

export const ZoneEventMessage = defineMessage({
  kind: MessageKind.zoneEvent,
  name: 'zone-event',
  authenticated: true,
  summary: "a zone-wide event (signed by the player who raised it, src/zones/events.ts), carried by the leaders of the group it was played in to the leaders of every other group of its zone, who put it into their group's updates",
  body: struct({
    /** The group it is for. */
    session: bytes(SESSION_ID_BYTES),
    event: varBytes(MAX_NOTICE_BYTES),
  }),
});
export type ZoneEventMessageBody = Infer<typeof ZoneEventMessage.body>;

export const ZoneEndorse = defineMessage({
  kind: MessageKind.zoneEndorse,
  name: 'zone-endorse',
  authenticated: true,
  summary: "a member's endorsement of its group's view for the DHT record of the leaf's leaders (src/zones/leader-record.ts), sent to the view's leader, which publishes the record once a strict majority of the listed members endorsed it",
  body: struct({
    session: bytes(SESSION_ID_BYTES),
    view: u32,
    /** The sender's index among the members the record lists. */
    index: u8,
    signature: bytes(SIGNATURE_LENGTH),
  }),
});
export type ZoneEndorseBody = Infer<typeof ZoneEndorse.body>;
