import LintingModule from '@camunda/linting/modeler';

import ProblemsPanel from './ProblemsPanel.js';

export default {
  __depends__: [LintingModule],
  __init__: ['problemsPanel'],
  problemsPanel: ['type', ProblemsPanel],
};
