import { describe, expect, it } from 'vitest';
import {
  checkOpenFiles,
  checkSocketBuffers,
  descriptorsNeeded,
  DESCRIPTOR_MARGIN,
  parseOpenFilesLimit,
  parseSysctlInteger,
  readRunLimits,
  TRANSPORT_SOCKET_BUFFER_BYTES,
} from '../../src/controller/limits.js';
import { BOOTSTRAP_NODES } from '../../src/controller/identity.js';

/** /proc/self/limits as Linux writes it, with the open-files line given. */
function procLimits(openFiles: string): string {
  return [
    'Limit                     Soft Limit           Hard Limit           Units     ',
    'Max cpu time              unlimited            unlimited            seconds   ',
    'Max processes             96362                96362                processes ',
    openFiles,
    'Max locked memory         8388608              8388608              bytes     ',
    '',
  ].join('\n');
}

describe('open files', () => {
  it('reads the soft and hard "Max open files" limits', () => {
    expect(parseOpenFilesLimit(procLimits('Max open files            1024                 1048576              files     '))).toEqual({ soft: 1024, hard: 1_048_576 });
    expect(parseOpenFilesLimit(procLimits('Max open files            unlimited            unlimited            files     '))).toEqual({
      soft: Number.POSITIVE_INFINITY,
      hard: Number.POSITIVE_INFINITY,
    });
    expect(parseOpenFilesLimit('Limit  Soft Limit  Hard Limit\nMax processes 1 1 processes\n')).toBeNull();
    expect(parseOpenFilesLimit(procLimits('Max open files            lots                 1024                 files'))).toBeNull();
  });

  it('needs one socket per peer, the authority, the bootstrap nodes and a margin per process and worker', () => {
    expect(descriptorsNeeded(1000, 2)).toBe(1000 + 1 + BOOTSTRAP_NODES + DESCRIPTOR_MARGIN.process + 2 * DESCRIPTOR_MARGIN.perWorker);
    expect(descriptorsNeeded(1001, 2) - descriptorsNeeded(1000, 2)).toBe(1);
    expect(descriptorsNeeded(1000, 3) - descriptorsNeeded(1000, 2)).toBe(DESCRIPTOR_MARGIN.perWorker);
  });

  it('passes when the soft limit covers the need, or is unknown', () => {
    expect(checkOpenFiles(1000, 2, { soft: 20_000, hard: 20_000 })).toBeNull();
    expect(checkOpenFiles(1000, 2, { soft: descriptorsNeeded(1000, 2), hard: 4096 })).toBeNull();
    expect(checkOpenFiles(4096, 64, { soft: Number.POSITIVE_INFINITY, hard: Number.POSITIVE_INFINITY })).toBeNull();
    expect(checkOpenFiles(4096, 2, null)).toBeNull();
  });

  it('names the need and `ulimit -n` when the soft limit is too low', () => {
    const need = descriptorsNeeded(1536, 2);
    const message = checkOpenFiles(1536, 2, { soft: 1024, hard: 1_048_576 });
    expect(message).toContain(`needs about ${need} open files`);
    expect(message).toContain('for 1536 peers');
    expect(message).toContain('the process may open only 1024');
    expect(message).toContain(`raise it with \`ulimit -n ${need}\` in the shell that starts p2p-mmog, or run fewer peers`);
    // One descriptor short is still short.
    expect(checkOpenFiles(1536, 2, { soft: need - 1, hard: need })).toContain(`ulimit -n ${need}`);
  });

  it('says when it takes root: Node already raised its soft limit to the hard one', () => {
    const message = checkOpenFiles(4096, 2, { soft: 1024, hard: 1024 });
    expect(message).toContain(`\`ulimit -n ${descriptorsNeeded(4096, 2)}\``);
    expect(message).toContain('above the hard limit, 1024, that takes root');
  });
});

describe('socket buffers', () => {
  it('reads one integer from a /proc/sys file', () => {
    expect(parseSysctlInteger('4194304\n')).toBe(4_194_304);
    expect(parseSysctlInteger('212992')).toBe(212_992);
    expect(parseSysctlInteger('')).toBeNull();
    expect(parseSysctlInteger('abc')).toBeNull();
  });

  it('warns only when the kernel caps below the 4 MiB each socket asks for', () => {
    expect(TRANSPORT_SOCKET_BUFFER_BYTES).toBe(4 * 1024 * 1024);
    expect(checkSocketBuffers({ rmemMax: 4_194_304, wmemMax: 4_194_304 })).toBeNull();
    expect(checkSocketBuffers({ rmemMax: 16_777_216, wmemMax: 8_388_608 })).toBeNull();
    expect(checkSocketBuffers({ rmemMax: null, wmemMax: null })).toBeNull();
    const warning = checkSocketBuffers({ rmemMax: 212_992, wmemMax: 4_194_304 }) as string;
    expect(warning).toMatch(/^warning: /);
    expect(warning).not.toContain('\n');
    expect(warning).toContain('net.core.rmem_max = 212992 (0.20 MiB)');
    expect(warning).not.toContain('wmem_max =');
    expect(warning).toContain('kernel drops, which the report counts');
    const both = checkSocketBuffers({ rmemMax: 1_048_576, wmemMax: 1_048_576 }) as string;
    expect(both).toContain('net.core.rmem_max = 1048576 (1 MiB), net.core.wmem_max = 1048576 (1 MiB)');
  });
});

describe('reading the limits', () => {
  it('reads the three files, and gives null for those it cannot read', () => {
    const files: Record<string, string> = {
      '/proc/self/limits': procLimits('Max open files            1024                 4096                 files'),
      '/proc/sys/net/core/rmem_max': '212992\n',
    };
    const read = (path: string) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return text;
    };
    expect(readRunLimits(read)).toEqual({ openFiles: { soft: 1024, hard: 4096 }, rmemMax: 212_992, wmemMax: null });
    expect(readRunLimits(() => 'garbage')).toEqual({ openFiles: null, rmemMax: null, wmemMax: null });
  });
});
