import { describeUnexported } from '../../src/interop/describe-unexported.js';
import type { DesiredKey } from '../../src/model/desired-state.js';
import { at, presentKey } from '../builders.js';

describe('exporting per-user keys', () => {
  test.each(['reg', 'gpp'] as const)('a per-user key is warned about at its users (%s): the export can only write HKCU', (format) => {
    const perUser: DesiredKey = { ...presentKey('HKCU\\Software\\X'), users: { exclude: [], defaultProfile: false, source: at(4, 12) } };
    const warnings = describeUnexported({ files: [], keys: [perUser, presentKey('HKCU\\Software\\Y')] }, format);
    expect(warnings).toEqual([{ code: 'USERS', message: expect.stringMatching(/^key HKCU\\Software\\X applies to every selected user profile, which .* cannot express: the export writes it as HKCU/), source: at(4, 12) }]);
  });
});
