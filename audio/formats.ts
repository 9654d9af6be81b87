/** The container/codec combinations we accept, with what a download of the original carries. */

export const AUDIO_FORMATS = ['wav', 'mp3', 'flac', 'ogg-vorbis', 'ogg-opus', 'ogg-flac'] as const;
export type AudioFormat = (typeof AUDIO_FORMATS)[number];

/** Media type of an original in each format (RFC 2361 / 3003 / 5334 / 9639). */
export const CONTENT_TYPES: Readonly<Record<AudioFormat, string>> = {
  wav: 'audio/wav',
  mp3: 'audio/mpeg',
  flac: 'audio/flac',
  'ogg-vorbis': 'audio/ogg',
  'ogg-opus': 'audio/ogg',
  'ogg-flac': 'audio/ogg',
};

/** File name extension for a download of the original. */
export const EXTENSIONS: Readonly<Record<AudioFormat, string>> = {
  wav: 'wav',
  mp3: 'mp3',
  flac: 'flac',
  'ogg-vorbis': 'ogg',
  'ogg-opus': 'opus',
  'ogg-flac': 'oga',
};

/** The playback form: what the telephony engine streams as G.711 (20 ms = 160 samples a packet). */
export const PREPARED_SAMPLE_RATE = 8000;
export const PREPARED_CONTENT_TYPE = 'audio/wav';
