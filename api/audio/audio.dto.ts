import type { AudioFormat } from '../../audio/formats.js';

/** The file as uploaded. */
export interface AudioOriginalView {
  /** Detected from the bytes, not from the file name. */
  format: AudioFormat;
  /** What a download of the original carries, e.g. `audio/mpeg`. */
  contentType: string;
  sampleRate: number;
  channels: number;
  /** Bytes. */
  size: number;
  /** Hex SHA-256 of the uploaded bytes. */
  sha256: string;
}

/** The playback form: 8 kHz mono 16-bit PCM WAV, ready for G.711. */
export interface AudioPreparedView {
  contentType: 'audio/wav';
  sampleRate: 8000;
  channels: 1;
  bitsPerSample: 16;
  /** Bytes of the WAV file. */
  size: number;
  durationMs: number;
  /** ITU-R BS.1770 integrated loudness before normalisation, LUFS; null for silence. */
  loudnessLufs: number | null;
  /** Gain applied by loudness normalisation, dB (0 when it is off or not needed). */
  gainDb: number;
}

export interface AudioView {
  /** @format uuid */
  id: string;
  /** @format uuid */
  ownerId: string;
  /** Shared with the owner's department: its members see it (and may use it), only the owner changes it. */
  shared: boolean;
  name: string;
  /** Duration of the original, milliseconds. */
  durationMs: number;
  original: AudioOriginalView;
  prepared: AudioPreparedView;
  createdAt: Date;
}

export interface AudioPage {
  /** Newest first. */
  items: AudioView[];
  /** Pass as `after` for the next page; absent on the last page. */
  nextCursor?: string;
}

export type AudioVariant = 'original' | 'prepared';
