import { projectOnly } from './vitest-project.mts';

export default projectOnly('lambda');
