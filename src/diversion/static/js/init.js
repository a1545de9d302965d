// Runs before the page renders, so components styled for JavaScript do not flash.
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
