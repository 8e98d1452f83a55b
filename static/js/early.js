/* Runs in <head> before the page paints (not deferred): styles that depend on JavaScript
   switch on at once, without a flash of the no-JS layout. */
document.documentElement.classList.replace("no-js", "js");
