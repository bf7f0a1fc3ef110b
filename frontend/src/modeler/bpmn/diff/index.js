import DiffMarkers from './DiffMarkers.js';

export default {
  diffMarkers: ['type', DiffMarkers],
};
