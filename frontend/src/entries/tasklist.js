// Tasklist pages: the task list (live over WebSocket), a task (form-js + bpmn-js), a start form.
// Each page ships its data in a <script type="application/json"> tag; heavy parts load only where needed.
import '../tasklist/tasklist.css';

if (document.getElementById('tasklist-data')) {
  import('../tasklist/list.js').then((m) => m.mountList());
}
if (document.getElementById('task-data')) {
  import('../tasklist/task.js').then((m) => m.mountTask());
}
if (document.getElementById('start-data')) {
  import('../tasklist/start.js').then((m) => m.mountStart());
}
