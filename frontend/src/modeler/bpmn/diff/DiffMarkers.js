// Marks one side of a visual diff: removed (old side), added (new side), changed and moved (both sides).
export default function DiffMarkers(canvas, elementRegistry, overlays) {
  this._canvas = canvas;
  this._elementRegistry = elementRegistry;
  this._overlays = overlays;
}

DiffMarkers.$inject = ['canvas', 'elementRegistry', 'overlays'];

const LABELS = { added: '+', removed: '−', changed: '✎', moved: '⇄' };

DiffMarkers.prototype.mark = function(id, kind) {
  const element = this._elementRegistry.get(id);
  if (!element) return false;
  this._canvas.addMarker(element, `diff-${kind}`);
  if (!element.waypoints) {
    const badge = document.createElement('span');
    badge.className = `diff-badge diff-badge-${kind}`;
    badge.textContent = LABELS[kind];
    badge.title = kind;
    this._overlays.add(element, 'diff', { position: { top: -10, left: -10 }, html: badge });
  }
  return true;
};

/** Keep this canvas's viewbox equal to another's (guarding against echo loops). */
DiffMarkers.prototype.syncWith = function(other) {
  const a = this._canvas;
  const b = other.get('canvas');
  let syncing = false;
  const follow = (from, to) => () => {
    if (syncing) return;
    syncing = true;
    to.viewbox(from.viewbox());
    syncing = false;
  };
  this._canvas._eventBus.on('canvas.viewbox.changed', follow(a, b));
  other.get('eventBus').on('canvas.viewbox.changed', follow(b, a));
};
