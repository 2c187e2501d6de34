import { describe, expect, it } from 'vitest';
import { slopeHeadline } from '../../bench/soak/summary.ts';

describe('slopeHeadline', () => {
  it.each([
    ['ordinal local: 1.34 MB per 10 min over 33.7 min (203 samples, 397.9 → 364.2 MB) **over bound**', 'ordinal local: 1.34 MB per 10 min over 33.7 min'],
    ['ordinal serve: 0.62 MB per 10 min over 54.9 min (330 samples, 190.5 → 199.8 MB)', 'ordinal serve: 0.62 MB per 10 min over 54.9 min'],
    ['ordinal local: not judged: 12 samples (10 s apart) after warm-up without a restart; 18 needed', 'ordinal local: not judged: 12 samples'],
    ['ordinal local: 0.41 MB per 10 min over 41.2 min (248 samples, 341.0 → 343.2 MB; the API server held 1402 → 1388 objects and 9120 → 8870 watch events)', 'ordinal local: 0.41 MB per 10 min over 41.2 min'],
    ['no details', 'no details'],
  ])('%s', (line, headline) => {
    expect(slopeHeadline(line)).toBe(headline);
  });
});
