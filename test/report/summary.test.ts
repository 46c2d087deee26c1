import { describe, expect, it } from 'vitest';
import { renderReportMarkdown, renderReportText, reportSections } from '../../src/report/index.js';
import { makeEvents, makeLegacyReport, makeReport } from './fixture.js';

describe('report.md and the `report` text', () => {
  const report = makeReport();

  it('has the run header, NEO latency, baselines, harness health and thresholds', () => {
    const md = renderReportMarkdown(report, makeEvents());
    const neo = report.neo!;
    expect(md).toMatch(/^# p2p-mmog report: neo-vs-baselines\n/);
    for (const h of ['## Run', '## NEO latency', '## Baselines', '## Traffic', '## Attacks', '## Harness health', '## Thresholds', '## Not in this build or run', '## Events']) {
      expect(md).toContain(`\n${h}\n`);
    }
    expect(md).toContain('| profile | neo-vs-baselines |');
    expect(md).toContain('| peers | target 64, peak 64 |');
    expect(md).toContain('| thresholds | FAIL (1 of 2 thresholds failed) |');
    expect(md).toContain('| playout latency (ms) | count | p50 | p90 | p99 | p99.9 | max |');
    expect(md).toContain(`| creation to playout | 5,000 | ${neo.playoutLatencyMs.p50.toFixed(2)} |`);
    expect(md).toContain('| updates dropped | 288 (0.50 % of decided) |');
    expect(md).toMatch(/\| lockstep turn \| 3,000 \| /);
    expect(md).toMatch(/\| client\/server \| 4,000 \| /);
    expect(md).toContain('Client/server baseline: server sends and receives 500 KiB/s.');
    expect(md).toContain('| event-loop delay p99 | 12.50 ms |');
    expect(md).toContain('| kernel UDP drops | 0 |');
    expect(md).toContain('| neo.updates.dropped | <= 100 | 288 | FAIL |');
    expect(md).toMatch(/\| neo\.playoutLatencyMs\.p99 \| < 1,000 \| [\d.]+ \| PASS \|/);
    expect(md).toContain('> **1 of 2 thresholds failed.**');
    expect(md).not.toContain('NOT TRUSTWORTHY');
    expect(md).toContain('| ban | 1 |');
    expect(md).toContain('| 9.500 | ban | peer=peer-17 reason=equivocation proof |');
  });

  it('says plainly that a saturated run is not trustworthy, with the reasons', () => {
    const saturated = makeReport({ harness: { ...report.harness, saturated: true, saturationReasons: ['event-loop delay p99 210 ms > 50 ms', 'CPU 1.97 of 2 cores'] } });
    const md = renderReportMarkdown(saturated);
    expect(md).toContain(
      '> **NOT TRUSTWORTHY: the harness was saturated during this run (event-loop delay p99 210 ms > 50 ms; CPU 1.97 of 2 cores).',
    );
    expect(md).toContain('| harness | SATURATED (figures not trustworthy) |');
    expect(renderReportText(saturated)).toContain('  !! NOT TRUSTWORTHY: the harness was saturated');
  });

  it("states the harness's cost: per member-round in µs and verifications, calibration, start-up, memory", () => {
    const md = renderReportMarkdown(report);
    expect(md).toContain('| CPU per member-round | 612.5 µs = 10.49 verifications (19,200 member-rounds) |');
    expect(md).toContain('| calibration | native Ed25519 verify 58.40 µs, loopback 61,250 datagrams/s, 2 cores |');
    expect(md).toContain('| start-up CPU | 1.850 s (before round 0) |');
    expect(md).toContain('| memory | peak RSS 402.5 MiB, 2.750 MiB per peer |');
    const text = renderReportText(report);
    expect(text).toMatch(/^ {2}CPU per member-round +612\.5 µs = 10\.49 verifications/m);
    // A healthy run needs no suggestion.
    expect(text).not.toContain('The calibration suggests');
    const none = makeReport({ harness: { ...report.harness, cpuPerMemberRoundUs: null, cpuPerMemberRoundVerifies: null } });
    expect(renderReportMarkdown(none)).toContain('| CPU per member-round | not measured (no member-round was played) |');
  });

  it('after a saturated run, suggests the peer count the calibration gives this machine', () => {
    const saturated = makeReport({ harness: { ...report.harness, saturated: true, saturationReasons: ['timer lateness p99 31.0 ms > 20 ms'] } });
    const text = renderReportText(saturated);
    expect(text).toContain(
      '  The calibration suggests about 128 peers for this machine (2 cores, R = 100 ms, from the CPU per member-round this run measured; docs/harness.md): rerun with --peers 128.',
    );
    expect(renderReportMarkdown(saturated)).toContain('The calibration suggests about 128 peers for this machine');
    const design = makeReport({ harness: { ...saturated.harness, suggestedPeers: 48, suggestedPeersBasis: 'design' } });
    expect(renderReportText(design)).toContain('about 48 peers for this machine (2 cores, R = 100 ms, from the calibrated verification × the design cost, as this run fell too far behind to measure its own');
    const hopeless = makeReport({ harness: { ...saturated.harness, suggestedPeers: 0 } });
    expect(renderReportText(hopeless)).toContain('The calibration suggests this machine cannot carry one group');
  });

  it('renders a report from before the cost was measured', () => {
    const old = makeLegacyReport({ harness: { ...makeLegacyReport().harness, saturated: true, saturationReasons: ['x'] } });
    const md = renderReportMarkdown(old);
    expect(md).toContain('| CPU per member-round | not measured (a report from before the cost was measured) |');
    for (const absent of ['| calibration |', '| memory |', '| start-up CPU |', 'The calibration suggests']) expect(md).not.toContain(absent);
  });

  it('has one line per component still null, saying it is not in this build (or, for storage and computation, not in this run)', () => {
    const md = renderReportMarkdown(report);
    for (const key of ['dht', 'auth', 'groups']) {
      expect(md).toMatch(new RegExp(`\\(${key}\\): not in this build \\(null in report\\.json\\)\\.`));
    }
    // Storage is in this build: null means the profile kept nothing.
    expect(md).toContain('Storage (storage): not in this run: the profile has no storage section (null in report.json).');
    expect(md).toContain('Replicated computation (compute): not in this run: the profile has no compute section (null in report.json).');
    // A component that has landed gets its own table instead (encoded histograms left out).
    const landed = { ...report, dht: { lookups: 120, successRate: 0.99, lookupLatencyMs: { count: 1, p50: 2, encoded: 'x' } } } as unknown as typeof report;
    const md2 = renderReportMarkdown(landed);
    expect(md2).not.toContain('(dht): not in this build');
    expect(md2).toContain('## DHT');
    expect(md2).toContain('| dht.lookups | 120 |');
    expect(md2).toContain('| dht.lookupLatencyMs.p50 | 2 |');
    expect(md2).not.toContain('dht.lookupLatencyMs.encoded');
  });

  it('handles absent NEO, baselines, series, thresholds and events', () => {
    const bare = makeReport({ neo: null, lockstep: null, clientServer: null, series: [], thresholds: [], harness: { ...report.harness, udpKernelDrops: null } });
    const md = renderReportMarkdown(bare, []);
    expect(md).toContain('NEO: no measurements in this run (null in report.json).');
    expect(md).toContain('No baseline ran in this profile (lockstep and clientServer are null).');
    expect(md).toContain('No per-second samples in this run.');
    expect(md).toContain('No thresholds were set for this run.');
    expect(md).toContain('| thresholds | no thresholds set |');
    expect(md).toContain('| kernel UDP drops | not measurable on this platform |');
    expect(md).toContain('No events were recorded.');
    expect(renderReportMarkdown(bare)).not.toContain('## Events');
  });

  it('lists attacks when the report has them', () => {
    const attacks = [
      { kind: 'replay', attempts: 40, prevented: 38, excluded: 2, unobserved: 0, unjudged: 0, detected: 18, falsePositives: 0, detectionLatencyRounds: 1.5 },
      // A report from before the accounting of excluded, unobserved and attributable attempts.
      { kind: 'lookahead', attempts: 10, prevented: 10, detected: 0, falsePositives: 0, detectionLatencyRounds: null },
    ];
    const md = renderReportMarkdown({ ...report, attacks } as unknown as typeof report);
    expect(md).toContain('| attack | attempts | prevented | excluded | unobserved | unjudged | detected | false positives | detection latency (rounds) |');
    expect(md).toContain('| replay | 40 | 38 | 2 | 0 | 0 | 18 | 0 | 1.500 |');
    expect(md).toContain('| lookahead | 10 | 10 | - | - | - | 0 | 0 | - |');
  });

  it('the text form has the same content as report.md, as aligned plain text', () => {
    const text = renderReportText(report, makeEvents());
    expect(text).toMatch(/^p2p-mmog report: neo-vs-baselines\n=+\n/);
    expect(text).not.toMatch(/^\|/m);
    expect(text).not.toContain('**');
    expect(text).toMatch(/\n {2}profile {5}neo-vs-baselines\n/);
    expect(text).toMatch(/ {2}neo\.updates\.dropped {7}<= 100 {6}288 {2}FAIL\n/);
    // Every table cell of the Markdown appears in the text.
    for (const s of reportSections(report, makeEvents())) {
      expect(text).toContain(s.title);
      for (const b of s.blocks) {
        if (b.kind === 'table') for (const row of b.table.rows) for (const cell of row) expect(text).toContain(cell);
        else expect(text).toContain(b.text);
      }
    }
  });

  it('neutralises terminal escapes and Markdown in names', () => {
    const nasty = makeReport({ profile: 'evil\u001b[2J\u001b[31mred|pipe <b>bold</b>\nnext' });
    const text = renderReportText(nasty);
    expect(text).not.toContain('\u001b');
    expect(text).toContain('evilred|pipe <b>bold</b> next');
    const md = renderReportMarkdown(nasty);
    expect(md).toContain('| profile | evilred\\|pipe \\<b>bold\\</b> next |');
    expect(md.split('\n')[0]).toBe('# p2p-mmog report: evilred\\|pipe \\<b>bold\\</b> next');
  });

  it('lists the sub-metrics, the tags, who suffers, and the baselines like for like', () => {
    const md = renderReportMarkdown(report);
    expect(md).toContain('\n## Sub-metrics\n');
    expect(md).toContain('Tags: slow (7); attackers: none.');
    const slow = report.subMetrics?.['neo.playoutLatencyMs{receiver:slow}'];
    expect(md).toContain(`| neo.playoutLatencyMs{receiver:slow} | ${slow?.count} |`);
    expect(md).toMatch(/## Who suffers\n[\s\S]*\| 7 \| honest, slow \| 0 \| 0 \| 600 \| 250\.3 \| 612\.8 \| 640\.1 \|/);
    expect(md).toMatch(/\| 0 \| 0 \| 2,500 \| 90\.20 \| 510\.4 \| 601\.2 \|/);
    // The baselines run with group 0's players: only a one-group run compares the same members.
    expect(md).not.toContain('receivers not slow');
    const oneGroup = renderReportMarkdown({ ...report, neo: { ...report.neo!, groups: 1 } });
    expect(oneGroup).toContain('| NEO playout, receivers not slow |');
    expect(oneGroup).toContain('| lockstep turn, receivers not slow |');
    // A report from before tags has neither section.
    const { subMetrics: _s, tags: _t, whoSuffers: _w, ...old } = report;
    const legacy = renderReportMarkdown(old as typeof report);
    expect(legacy).not.toContain('## Sub-metrics');
    expect(legacy).not.toContain('## Who suffers');
  });
});
