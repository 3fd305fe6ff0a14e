import { describe, expect, it } from 'vitest';
import { renderPrivacyInventory, STAGES } from '../../lib/config';

describe('the privacy inventory of a stage', () => {
  it('heads its table with the stage and the erasure bound, and the store that sets it', () => {
    // docs/privacy.md only has to contain the rendering; this pins what the rendering says.
    const inventory = renderPrivacyInventory(STAGES.prod);
    expect(inventory).toMatch(
      /^### Stage `prod`\n\nAn erased user is gone from every backup and copy after \*\*62 days\*\* \(set by: AWS Backup cross-region copies\)\.\n\n\| store \| personal data \| region \| retention \(days\) \| from \|\n\| --- \| --- \| --- \| --- \| --- \|\n\| /,
    );
    expect(inventory).toContain('| AWS Backup cross-region copies |');
  });
});
