// What the server put in the page for its scripts: a JSON data block, never code.
const block = document.getElementById("page-data");

export const pageData = block ? JSON.parse(block.textContent) : {};
