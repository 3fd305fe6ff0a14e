import { describe, expect, it } from 'vitest';
import { parseEntryList } from '../../../lambda/ip-set-sync/list-parser';

describe('parseEntryList rejected samples', () => {
  it('keeps the first 80 characters of a long rejected entry for the log', () => {
    const long = `${'a'.repeat(80)}${'b'.repeat(40)}`;
    expect(parseEntryList(long).rejectedSamples).toEqual(['a'.repeat(80)]);
  });
});
