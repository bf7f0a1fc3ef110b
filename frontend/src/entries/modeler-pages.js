// Styles of the modeler's plain pages (projects, folders, settings).
import '../modeler/modeler.css';
