// Pure conversion of Grafana data-frame JSON (schema + column-major data) into time series: one
// series per numeric field and label set. No DOM and no imports, so Node tests can load it as-is.
// Handles both livehub push shapes: `labels_column` (a string field "labels" pivots rows) and `wide`.

export interface FieldSchema {
  readonly name?: string;
  readonly type?: string;
  readonly typeInfo?: { readonly frame?: string; readonly nullable?: boolean };
  readonly labels?: Readonly<Record<string, string>>;
}

export interface FrameSchema {
  readonly name?: string;
  readonly refId?: string;
  readonly fields: readonly FieldSchema[];
}

export interface FrameData {
  readonly values: readonly (readonly unknown[])[];
}

/** A publication or initial data: full `{schema, data}`, schema-only or data-only. */
export interface FrameMessage {
  readonly schema?: FrameSchema;
  readonly data?: FrameData;
}

/** Rows of one series found in one frame, in row order. */
export interface SeriesRows {
  /** Stable identity across messages: field name + rendered labels. */
  readonly key: string;
  readonly field: string;
  /** Labels rendered `k=v, k2=v2` (Grafana's labels-column form); "" when none. */
  readonly labels: string;
  readonly times: number[];
  readonly values: (number | null)[];
}

export type ConversionResult = { readonly ok: true; readonly series: SeriesRows[] } | { readonly ok: false; readonly error: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return isRecord(value) && Object.values(value).every((v) => typeof v === 'string');
}

function parseField(value: unknown): FieldSchema | undefined {
  if (!isRecord(value)) return undefined;
  const { name, type, typeInfo, labels } = value;
  if (name !== undefined && typeof name !== 'string') return undefined;
  if (type !== undefined && typeof type !== 'string') return undefined;
  const field: { name?: string; type?: string; typeInfo?: { frame?: string; nullable?: boolean }; labels?: Record<string, string> } = {};
  if (name !== undefined) field.name = name;
  if (type !== undefined) field.type = type;
  if (isRecord(typeInfo)) {
    field.typeInfo = {};
    if (typeof typeInfo['frame'] === 'string') field.typeInfo.frame = typeInfo['frame'];
    if (typeInfo['nullable'] === true) field.typeInfo.nullable = true;
  }
  if (isStringRecord(labels)) field.labels = labels;
  return field;
}

/** Validates untrusted JSON (a publication's data); undefined when it is not a frame message. */
export function parseFrameMessage(value: unknown): FrameMessage | undefined {
  if (!isRecord(value)) return undefined;
  const message: { schema?: FrameSchema; data?: FrameData } = {};
  if (value['schema'] !== undefined) {
    const schema = value['schema'];
    if (!isRecord(schema) || !Array.isArray(schema['fields'])) return undefined;
    const fields: FieldSchema[] = [];
    for (const raw of schema['fields']) {
      const field = parseField(raw);
      if (field === undefined) return undefined;
      fields.push(field);
    }
    message.schema = {
      fields,
      ...(typeof schema['name'] === 'string' ? { name: schema['name'] } : {}),
      ...(typeof schema['refId'] === 'string' ? { refId: schema['refId'] } : {}),
    };
  }
  if (value['data'] !== undefined) {
    const data = value['data'];
    if (!isRecord(data) || !Array.isArray(data['values'])) return undefined;
    const values: unknown[] = data['values'];
    if (!values.every((column): column is unknown[] => Array.isArray(column))) return undefined;
    message.data = { values };
  }
  return message.schema === undefined && message.data === undefined ? undefined : message;
}

export function isTimeField(field: FieldSchema): boolean {
  return field.type === 'time' || field.typeInfo?.frame === 'time.Time';
}

export function isNumberField(field: FieldSchema): boolean {
  if (field.type === 'number') return true;
  const frame = field.typeInfo?.frame;
  return field.type === undefined && frame !== undefined && /^(float|int|uint)\d+$/.test(frame);
}

/** The labels-column pivot applies to a string field literally named "labels" (as in Grafana). */
function isLabelsColumn(field: FieldSchema): boolean {
  return field.name === 'labels' && (field.type === 'string' || field.typeInfo?.frame === 'string');
}

/** `{host:"h", cpu:"cpu0"}` → `cpu=cpu0, host=h`: keys sorted, like the labels column renders tags. */
export function formatLabels(labels: Readonly<Record<string, string>> | undefined): string {
  if (labels === undefined) return '';
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(', ');
}

/** What a legend shows: `usage_idle {cpu=cpu0, host=h}`, or just the field name without labels. */
export function seriesLabel(field: string, labels: string): string {
  return labels === '' ? field : `${field} {${labels}}`;
}

function toNumber(value: unknown): number | null {
  // NaN/Inf arrive as null (with `entities`); anything non-numeric after a type conflict too.
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * Splits one frame into series. Rows without a usable time are skipped; a data block whose column
 * count differs from the schema is refused (Grafana's "push message mismatch").
 */
export function frameToSeries(schema: FrameSchema, data: FrameData): ConversionResult {
  if (data.values.length !== schema.fields.length) {
    return { ok: false, error: `push message mismatch: ${data.values.length} columns, schema has ${schema.fields.length}` };
  }
  const timeIndex = schema.fields.findIndex(isTimeField);
  if (timeIndex < 0) return { ok: false, error: 'frame has no time field' };
  const labelsIndex = schema.fields.findIndex(isLabelsColumn);
  const numeric: number[] = [];
  schema.fields.forEach((field, i) => {
    if (isNumberField(field)) numeric.push(i);
  });

  const bySeries = new Map<string, { field: string; labels: string; times: number[]; values: (number | null)[] }>();
  const timeColumn = data.values[timeIndex]!;
  for (let row = 0; row < timeColumn.length; row++) {
    const time = timeColumn[row];
    if (typeof time !== 'number' || !Number.isFinite(time)) continue;
    const rowLabels = labelsIndex >= 0 ? String(data.values[labelsIndex]![row] ?? '') : undefined;
    for (const index of numeric) {
      const field = schema.fields[index]!;
      const name = field.name ?? `field ${index}`;
      const labels = rowLabels ?? formatLabels(field.labels);
      // A NUL separator cannot occur in a field name or tag, so keys never collide.
      const key = `${name}\u0000${labels}`;
      let series = bySeries.get(key);
      if (series === undefined) {
        series = { field: name, labels, times: [], values: [] };
        bySeries.set(key, series);
      }
      series.times.push(time);
      series.values.push(toNumber(data.values[index]![row]));
    }
  }
  return { ok: true, series: [...bySeries].map(([key, s]) => ({ key, ...s })) };
}
