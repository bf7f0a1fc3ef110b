// A reconnecting WebSocket to /ws/tasks/: calls onChange(message) for every task change the server sends.
export function connectLive(path, { onChange, onStatus }) {
  let socket = null;
  let delay = 1000;
  let closed = false;

  function open() {
    const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
    socket = new WebSocket(`${scheme}://${window.location.host}${path}`);
    socket.addEventListener('open', () => {
      delay = 1000;
      document.body.dataset.live = 'connected';
      onStatus?.('connected');
    });
    socket.addEventListener('message', (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (message.type === 'task.changed') onChange(message);
    });
    socket.addEventListener('close', (event) => {
      document.body.dataset.live = 'closed';
      if (closed || event.code === 4401) return;
      onStatus?.('offline');
      setTimeout(open, delay);
      delay = Math.min(delay * 2, 30000);
    });
  }

  open();
  return () => {
    closed = true;
    socket?.close();
  };
}

export function debounce(fn, wait) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), wait);
  };
}
