// Requests to the site's REST API: JSON in and out, CSRF on writes, readable errors.
const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content ?? "";
const LOGIN_PATH = "/accounts/login/";
// A server that accepts connections but does not answer must not leave a page waiting.
const TIMEOUT_MS = 10000;

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function request(url, options = {}) {
  let response;
  try {
    response = await fetch(url, {
      credentials: "same-origin",
      signal: AbortSignal.timeout(TIMEOUT_MS),
      ...options,
    });
  } catch {
    throw new ApiError(0, "The server cannot be reached.");
  }
  if (response.status === 401) {
    goToLogin();
    throw new ApiError(401, "Your session has ended: log in again.");
  }
  if (!response.ok) {
    throw new ApiError(response.status, await errorMessage(response));
  }
  return response;
}

async function errorMessage(response) {
  try {
    const body = await response.json();
    if (body.detail) return body.detail;
    return Object.entries(body).map(([field, problems]) => `${field}: ${problems}`).join("; ");
  } catch {
    return `The server answered ${response.status} ${response.statusText}.`;
  }
}

export async function getJSON(url) {
  const response = await request(url, { headers: { Accept: "application/json" } });
  return response.json();
}

export async function getText(url) {
  const response = await request(url);
  return response.text();
}

export async function postJSON(url, body) {
  const response = await request(url, {
    method: "POST",
    headers: {
      Accept: "application/json",
      "Content-Type": "application/json",
      "X-CSRFToken": csrfToken,
    },
    body: JSON.stringify(body),
  });
  return response.json();
}

export async function deleteJSON(url) {
  await request(url, {
    method: "DELETE",
    headers: { Accept: "application/json", "X-CSRFToken": csrfToken },
  });
}

export function goToLogin() {
  const next = encodeURIComponent(location.pathname + location.search);
  location.assign(`${LOGIN_PATH}?next=${next}`);
}
