"""Security headers on every response."""

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        # blob: the narrator listens to a take before saving it (static/recorder.js).
        "media-src 'self' blob:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


# The narrator's pages may use the microphone (this site only); every other page none.
MICROPHONE_POLICY = "camera=(), microphone=(self), geolocation=()"


def add_security_headers(response, hsts: bool):
    """Set our security headers on a response."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    # same-origin keeps the Referer that Flask-WTF checks over HTTPS, and sends nothing
    # to other sites.
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if hsts:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response
