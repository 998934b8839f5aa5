// Where the page finds the API and who the caller is. Locally (make dev): the API is this page's
// own server and the caller is the name typed on the page, sent as X-User-Id.
window.DIARY_CONFIG = {auth: "local", api: ""};
