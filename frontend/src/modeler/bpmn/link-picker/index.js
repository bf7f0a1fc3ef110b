import LinkPicker from './LinkPicker.js';

export default {
  __init__: ['linkPicker'],
  linkPicker: ['type', LinkPicker],
};
