// Wagtail admin only (cms/wagtail_hooks.py). The rich text editor (Draftail, a React component)
// writes two <style> elements of its own: the placeholder of an empty heading and the numbering of
// nested lists, whose text changes with the block being edited, so no hash can name them. Elements
// that a script creates get this page's nonce; markup that reaches the page any other way, an
// injected <style> or style attribute, has none and stays refused.
(() => {
  const nonce = document.currentScript && document.currentScript.nonce;
  if (!nonce) return;
  const createElement = Document.prototype.createElement;
  Document.prototype.createElement = function (name, options) {
    const element = createElement.call(this, name, options);
    if (typeof name === "string" && name.toLowerCase() === "style") element.nonce = nonce;
    return element;
  };
})();
