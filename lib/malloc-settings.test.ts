import { MALLOC_SETTINGS, missingMallocSettings, withMallocSettings } from './malloc-settings';

test('the launchers add the fixed mmap threshold, and keep what the operator set', () => {
  expect(withMallocSettings({ PATH: '/bin' })).toEqual({ PATH: '/bin', MALLOC_MMAP_THRESHOLD_: '131072' });
  expect(withMallocSettings({ MALLOC_MMAP_THRESHOLD_: '65536' })).toEqual({ MALLOC_MMAP_THRESHOLD_: '65536' });
  // 128 kB: glibc's own starting threshold, set explicitly so that it stops growing.
  expect(Number(MALLOC_SETTINGS.MALLOC_MMAP_THRESHOLD_)).toBe(128 * 1024);
});

test('the worker names what it was started without, on Linux only', () => {
  expect(missingMallocSettings({}, 'linux')).toEqual(['MALLOC_MMAP_THRESHOLD_']);
  expect(missingMallocSettings({ MALLOC_MMAP_THRESHOLD_: '131072' }, 'linux')).toEqual([]);
  expect(missingMallocSettings({}, 'darwin')).toEqual([]);
});
