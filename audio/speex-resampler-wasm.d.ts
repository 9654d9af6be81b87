/**
 * Types for the parts of the Speex resampler's Emscripten module we call (the package ships
 * none). The C API is speexdsp's `speex_resampler.h`; pointers are byte offsets into the heap.
 */
declare module '@echogarden/speex-resampler-wasm/simd' {
  export interface SpeexModule {
    readonly HEAPU32: Uint32Array;
    readonly HEAP32: Int32Array;
    readonly HEAPF32: Float32Array;
    _malloc(bytes: number): number;
    _free(pointer: number): void;
    _speex_resampler_init(channels: number, inRate: number, outRate: number, quality: number, errPtr: number): number;
    _speex_resampler_destroy(state: number): void;
    _speex_resampler_skip_zeros(state: number): number;
    _speex_resampler_get_input_latency(state: number): number;
    _speex_resampler_process_float(
      state: number,
      channel: number,
      inPtr: number,
      inLenPtr: number,
      outPtr: number,
      outLenPtr: number,
    ): number;
  }
  const createModule: () => Promise<SpeexModule>;
  export default createModule;
}
