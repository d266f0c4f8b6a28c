// REST is the source of truth: every page renders from these reads, and live events only patch it.
import { config } from './config.js';
import { idToken } from './auth.js';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export async function api(method, path, body) {
  const cfg = await config();
  const headers = {};
  const token = await idToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(cfg.apiUrl.replace(/\/+$/, '') + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, answer.message || `request failed (${response.status})`);
  return answer;
}

// The presigned POST straight to S3, with progress (fetch has no upload progress; XMLHttpRequest does).
export function postToS3(grant, file, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    Object.entries(grant.fields).forEach(([k, v]) => form.append(k, v));
    form.append('file', file);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', grant.url);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => (xhr.status < 300 ? resolve() : reject(new Error(`the upload was refused (${xhr.status})`)));
    xhr.onerror = () => reject(new Error('the upload failed (network)'));
    xhr.send(form);
  });
}
