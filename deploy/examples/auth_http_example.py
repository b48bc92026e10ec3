#!/usr/bin/env python3
"""A minimal auth_http server for trying OrleansMail (or nginx) by hand.

It sends every login to one upstream and lets the upstream check the password itself
(Auth-Pass is passed through). Real deployments check the password here, answer
"Auth-Status: Invalid login or password" with "Auth-Wait: 3" on failure, and pick the
user's own upstream. Protocol: ../../README.md#the-auth_http-protocol.

    python3 auth_http_example.py --listen 127.0.0.1:9000 --upstream 127.0.0.1:143
"""
import argparse
import http.server
import urllib.parse


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", default="127.0.0.1:9000")
    parser.add_argument("--upstream", default="127.0.0.1:143")
    args = parser.parse_args()
    host, port = args.listen.rsplit(":", 1)
    upstream_host, upstream_port = args.upstream.rsplit(":", 1)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            # Auth-User / Auth-Pass arrive %-escaped (control bytes, space and '%' only).
            user = urllib.parse.unquote(self.headers.get("Auth-User", ""))
            self.send_response(200)
            if not user:
                self.send_header("Auth-Status", "Invalid login or password")
                self.send_header("Auth-Wait", "3")
            else:
                self.send_header("Auth-Status", "OK")
                self.send_header("Auth-Server", upstream_host)
                self.send_header("Auth-Port", upstream_port)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, fmt, *values):
            pass  # never log credentials

    http.server.ThreadingHTTPServer((host, int(port)), Handler).serve_forever()


if __name__ == "__main__":
    main()
