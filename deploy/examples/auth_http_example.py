#!/usr/bin/env python3
"""A minimal auth_http server for trying OrleansMail (or nginx) by hand.

It sends each login to the upstream of its protocol (the Auth-Protocol header: imap, pop3
or smtp) and lets the upstream check the password itself (Auth-Pass is passed through).
Real deployments check the password here, answer "Auth-Status: Invalid login or password"
with "Auth-Wait: 3" on failure, and pick the user's own upstream.
Protocol: ../../README.md#the-auth_http-protocol.

    python3 auth_http_example.py --listen 127.0.0.1:9000 \\
        --imap 127.0.0.1:143 --pop3 127.0.0.1:110 --smtp 127.0.0.1:25

--upstream HOST:PORT sends every protocol to one address (the example's first version).
"""
import argparse
import http.server
import urllib.parse


def address(text):
    host, port = text.rsplit(":", 1)
    return host.strip("[]"), port


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", default="127.0.0.1:9000")
    parser.add_argument("--imap", default="127.0.0.1:143", help="IMAP upstream host:port")
    parser.add_argument("--pop3", default="127.0.0.1:110", help="POP3 upstream host:port")
    parser.add_argument("--smtp", default="127.0.0.1:25", help="SMTP upstream host:port")
    parser.add_argument("--upstream", help="one host:port for every protocol")
    args = parser.parse_args()
    host, port = address(args.listen)
    upstreams = {name: address(args.upstream or getattr(args, name)) for name in ("imap", "pop3", "smtp")}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            # Auth-User / Auth-Pass arrive %-escaped (control bytes, space and '%' only).
            user = urllib.parse.unquote(self.headers.get("Auth-User", ""))
            upstream = upstreams.get(self.headers.get("Auth-Protocol", "").lower())
            self.send_response(200)
            if not user or upstream is None:
                self.send_header("Auth-Status", "Invalid login or password")
                self.send_header("Auth-Wait", "3")
            else:
                self.send_header("Auth-Status", "OK")
                self.send_header("Auth-Server", upstream[0])
                self.send_header("Auth-Port", upstream[1])
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, fmt, *values):
            pass  # never log credentials

    http.server.ThreadingHTTPServer((host, int(port)), Handler).serve_forever()


if __name__ == "__main__":
    main()
