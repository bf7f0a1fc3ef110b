import TemplatePicker from './TemplatePicker.js';

export default {
  __init__: ['templatePicker'],
  templatePicker: ['type', TemplatePicker],
};
