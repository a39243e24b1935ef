// Line-protocol ingest benchmark (performance.md goal G6): lines/s for parsing, parse + convert in
// both frame modes, and parse + convert + JSON-encode, against JSON.parse of the same points
// encoded as JSON arrays, all in one run on one core. `runIngestBench` is for the bench runner;
// run directly it prints a table (`--quick` for a fraction of a second, `--json FILE` to save).

import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

import { convertToFrames } from '../src/frames/convert.js';
import { encodeFrame } from '../src/frames/json.js';
import { parseLineProtocol } from '../src/influx/parser.js';
import { generateIngestBatch } from './ingest-data.js';

export interface IngestVariantResult {
  name: string;
  description: string;
  linesPerSec: number;
  /** linesPerSec / JSON.parse lines/s, measured in the same run. */
  ratioToJsonParse: number;
}

export interface IngestResult {
  benchmark: 'ingest';
  node: string;
  quick: boolean;
  batch: {
    lines: number;
    lineProtocolBytes: number;
    jsonBytes: number;
    labelsColumnFrames: number;
    wideFrames: number;
  };
  jsonParseLinesPerSec: number;
  variants: IngestVariantResult[];
  /** G6: parse + convert must reach 0.5× JSON.parse in both modes. */
  goal: { target: number; labelsColumn: number; wide: number; met: boolean };
}

interface Variant {
  name: string;
  description: string;
  run: () => number;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Batches per second of `fn` over about `ms` milliseconds. */
function measure(fn: () => number, ms: number): { rate: number; sink: number } {
  let sink = 0;
  let n = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(ms * 1e6));
  let elapsed = 0n;
  do {
    sink += fn();
    n++;
    elapsed = process.hrtime.bigint() - start;
  } while (elapsed < budget);
  return { rate: (n * 1e9) / Number(elapsed), sink };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export async function runIngestBench(opts: { quick: boolean }): Promise<IngestResult> {
  const data = generateIngestBatch(1000);
  const { body, json, lines } = data;

  // Sanity: both encodings hold the same number of points, and the batch converts.
  const parsed = parseLineProtocol(body);
  const decoded: unknown = JSON.parse(json);
  if (parsed.length !== lines || !Array.isArray(decoded) || decoded.length !== lines) {
    throw new Error('ingest bench: generated encodings disagree');
  }
  const lcFrames = convertToFrames(parsed, 'labels_column').length;
  const wideFrames = convertToFrames(parsed, 'wide').length;

  const variants: Variant[] = [
    {
      name: 'json_parse',
      description: 'JSON.parse of the same points as JSON arrays',
      run: () => (JSON.parse(json) as unknown[]).length,
    },
    { name: 'parse', description: 'parse only', run: () => parseLineProtocol(body).length },
    {
      name: 'parse_convert_labels_column',
      description: 'parse + convert, labels_column',
      run: () => convertToFrames(parseLineProtocol(body), 'labels_column').length,
    },
    {
      name: 'parse_convert_wide',
      description: 'parse + convert, wide',
      run: () => convertToFrames(parseLineProtocol(body), 'wide').length,
    },
    {
      name: 'parse_convert_encode_labels_column',
      description: 'parse + convert + frame JSON, labels_column',
      run: () => {
        let n = 0;
        for (const f of convertToFrames(parseLineProtocol(body), 'labels_column')) n += encodeFrame(f.frame).full.length;
        return n;
      },
    },
    {
      name: 'parse_convert_encode_wide',
      description: 'parse + convert + frame JSON, wide',
      run: () => {
        let n = 0;
        for (const f of convertToFrames(parseLineProtocol(body), 'wide')) n += encodeFrame(f.frame).full.length;
        return n;
      },
    },
  ];

  const rounds = opts.quick ? 3 : 15;
  const sliceMs = opts.quick ? 12 : 100;
  const rates = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  let sink = 0;
  // Warm-up lets the JIT settle before anything counts.
  for (const v of variants) sink += measure(v.run, sliceMs).sink;
  // Interleave variants round by round so drift (thermal, GC, neighbours) hits all alike.
  for (let r = 0; r < rounds; r++) {
    for (const v of variants) {
      await tick();
      const m = measure(v.run, sliceMs);
      sink += m.sink;
      rates.get(v.name)!.push(m.rate * lines);
    }
  }
  if (sink === 0) throw new Error('ingest bench: nothing measured');

  const jsonRate = median(rates.get('json_parse')!);
  const results: IngestVariantResult[] = variants.map((v) => {
    const rate = median(rates.get(v.name)!);
    return { name: v.name, description: v.description, linesPerSec: Math.round(rate), ratioToJsonParse: rate / jsonRate };
  });
  const ratio = (name: string): number => results.find((r) => r.name === name)!.ratioToJsonParse;
  const lc = ratio('parse_convert_labels_column');
  const wide = ratio('parse_convert_wide');
  return {
    benchmark: 'ingest',
    node: process.version,
    quick: opts.quick,
    batch: { lines, lineProtocolBytes: body.length, jsonBytes: Buffer.byteLength(json), labelsColumnFrames: lcFrames, wideFrames },
    jsonParseLinesPerSec: Math.round(jsonRate),
    variants: results,
    goal: { target: 0.5, labelsColumn: lc, wide, met: lc >= 0.5 && wide >= 0.5 },
  };
}

export function formatIngestResult(r: IngestResult): string {
  const rows = r.variants.map(
    (v) =>
      `${v.description.padEnd(46)} ${v.linesPerSec.toLocaleString('en-US').padStart(12)}  ${v.ratioToJsonParse
        .toFixed(2)
        .padStart(6)}`,
  );
  return [
    `ingest: ${r.batch.lines}-line Telegraf-like batch, ${r.batch.lineProtocolBytes} bytes of line protocol ` +
      `(${r.batch.jsonBytes} as JSON); ${r.batch.labelsColumnFrames} labels_column / ${r.batch.wideFrames} wide frames; ` +
      `node ${r.node}${r.quick ? ', quick' : ''}`,
    `${'variant'.padEnd(46)} ${'lines/s'.padStart(12)}  ${'×JSON'.padStart(6)}`,
    ...rows,
    `G6 (parse + convert ≥ ${r.goal.target}× JSON.parse): labels_column ${r.goal.labelsColumn.toFixed(2)}, ` +
      `wide ${r.goal.wide.toFixed(2)} → ${r.goal.met ? 'met' : 'NOT met'}`,
  ].join('\n');
}

async function main(argv: string[]): Promise<void> {
  const quick = argv.includes('--quick');
  const i = argv.indexOf('--json');
  const jsonFile = i >= 0 ? argv[i + 1] : undefined;
  if (i >= 0 && jsonFile === undefined) throw new Error('--json needs a file name');
  const result = await runIngestBench({ quick });
  console.log(formatIngestResult(result));
  if (jsonFile !== undefined) writeFileSync(jsonFile, JSON.stringify(result, null, 2) + '\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
