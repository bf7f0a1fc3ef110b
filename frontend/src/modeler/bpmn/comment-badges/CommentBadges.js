// Badges on elements that have open comment threads; clicking one opens the comments tab for that element.
const TYPE = 'comment-badge';

export default function CommentBadges(eventBus, overlays, elementRegistry, selection, config) {
  this._label = (config && config.label) || 'comments';
  this._overlays = overlays;
  this._elementRegistry = elementRegistry;
  this._threads = [];
  this._selection = selection;
  this._eventBus = eventBus;
  // Elements come and go with every command (and undo), so badges are redrawn from the last thread list.
  eventBus.on(['import.done', 'commandStack.changed'], () => this._render());
}

CommentBadges.$inject = ['eventBus', 'overlays', 'elementRegistry', 'selection', 'config.commentBadges'];

CommentBadges.prototype.setThreads = function(threads) {
  this._threads = threads;
  this._render();
};

CommentBadges.prototype._render = function() {
  this._overlays.remove({ type: TYPE });
  const counts = new Map();
  for (const thread of this._threads) {
    if (!thread.elementId || thread.resolved) continue;
    counts.set(thread.elementId, (counts.get(thread.elementId) || 0) + 1 + thread.replies.length);
  }
  for (const [id, count] of counts) {
    const element = this._elementRegistry.get(id);
    if (!element || element.waypoints) continue;
    const badge = document.createElement('button');
    badge.type = 'button';
    badge.className = 'comment-badge';
    badge.title = `${count} ${this._label}`;
    badge.textContent = `💬 ${count}`;
    badge.dataset.elementId = id;
    badge.addEventListener('click', (event) => {
      event.stopPropagation();
      this._selection.select(element);
      this._eventBus.fire('commentBadges.open', { element });
    });
    this._overlays.add(element, TYPE, { position: { top: -14, right: 10 }, html: badge });
  }
};
