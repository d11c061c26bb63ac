// The sign-up form's hidden time-zone field takes the browser's own zone, so a new member's
// sessions and slots show in their zone from the first page. Without this script the profile's
// default zone stays, and the profile page lets them choose another.
for (const input of document.querySelectorAll("input[data-browser-zone]")) {
  try {
    input.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    // an old browser: the default zone stays
  }
}
