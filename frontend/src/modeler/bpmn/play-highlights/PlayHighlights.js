// Marks the elements a sandbox run is waiting at (jobs, user tasks, timers) on the editor's canvas.
export default function PlayHighlights(canvas, elementRegistry, eventBus) {
  this._canvas = canvas;
  this._elementRegistry = elementRegistry;
  this._marked = [];
  // A re-import replaces every element: the marks would point at nothing.
  eventBus.on('import.done', () => { this._marked = []; });
}

PlayHighlights.$inject = ['canvas', 'elementRegistry', 'eventBus'];

PlayHighlights.prototype.show = function(elementIds) {
  for (const id of this._marked) {
    if (this._elementRegistry.get(id)) this._canvas.removeMarker(id, 'play-active');
  }
  this._marked = elementIds.filter((id) => this._elementRegistry.get(id));
  for (const id of this._marked) this._canvas.addMarker(id, 'play-active');
};
