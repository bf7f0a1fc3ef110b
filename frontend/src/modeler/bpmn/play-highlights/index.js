import PlayHighlights from './PlayHighlights.js';

export default {
  playHighlights: ['type', PlayHighlights],
};
