// The `gf_live_frame_format` query parameter of the push endpoints: which converter to use.

export type FrameFormat = 'labels_column' | 'wide';

/**
 * Case-insensitive; absent or empty → `labels_column` (Grafana's default); unknown → undefined,
 * which the endpoint answers with 400 and an empty body.
 */
export function parseFrameFormat(value: string | null | undefined): FrameFormat | undefined {
  if (value === null || value === undefined || value === '') return 'labels_column';
  switch (value.toLowerCase()) {
    case 'labels_column':
      return 'labels_column';
    case 'wide':
      return 'wide';
    default:
      return undefined;
  }
}
