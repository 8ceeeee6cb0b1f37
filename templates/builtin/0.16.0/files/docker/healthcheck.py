"""Docker HEALTHCHECK: one HTTP request with the standard library, so the image needs no
curl. Reads PORT and HEALTH_PATH from the environment. Kubernetes ignores HEALTHCHECK: point its
liveness and readiness probes at the same path.{% if health_mode == 'liveness' %} This is a liveness check: any HTTP answer
below 500, a redirect included (it is not followed), means the server is up (the app has no
health route; a 404 still proves it serves).{% endif %}
"""

import http.client
import os
import sys
import urllib.error
import urllib.request


class _KeepRedirect(urllib.request.HTTPRedirectHandler):
    """Hands a redirect back as the answer instead of following it."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def main() -> int:
    port = os.environ.get("PORT", "{{ port }}")
    path = os.environ.get("HEALTH_PATH", "{{ health_path }}")
    url = f"http://127.0.0.1:{port}{path}"
    # No proxy for a loopback request, whatever HTTP_PROXY says, and no redirect followed: a
    # redirect (`/` to a login page) already proves the server answers, and the page behind it
    # may need a database the check must not depend on.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _KeepRedirect())
    try:
        with opener.open(url, timeout=float(os.environ.get("HEALTH_TIMEOUT", "3"))) as response:
            return 0 if 200 <= response.status < 300 else 1
    except urllib.error.HTTPError as exc:
        # A redirect (not followed) is an answer: the server is up.
        if 300 <= exc.code < 400:
            return 0
{%- if health_mode == 'liveness' %}
        # An answer, even an error page: the server is up unless the app itself failed.
        if exc.code < 500:
            return 0
{%- endif %}
        print(f"unhealthy: {url}: HTTP {exc.code}", file=sys.stderr)
        return 1
    except (OSError, http.client.HTTPException, ValueError) as exc:
        print(f"unhealthy: {url}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
