// Progressive enhancement for GOV.UK Frontend and MoJ Frontend components. Loaded as a module from
// base.html: the Content-Security-Policy allows only the service's own scripts, so nothing runs inline.
import { initAll } from "../govuk/govuk-frontend.min.js";
import { initAll as initMojAll } from "../moj/moj-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
initMojAll();
