import CommentBadges from './CommentBadges.js';

export default {
  __init__: ['commentBadges'],
  commentBadges: ['type', CommentBadges],
};
