// Starts Swagger UI on /api/v1/docs with the settings the page carries as a JSON data block
// (no inline script, so the page keeps the service's strict Content-Security-Policy).
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("swagger-settings").textContent);
  config.dom_id = "#swagger-ui";
  config.presets = [window.SwaggerUIBundle.presets.apis, window.SwaggerUIStandalonePreset];
  window.SwaggerUIBundle(config);
})();
