"""A local tile server for tests of printed and screen maps with background tiles."""

from __future__ import annotations


class TileServer:
    """A local tile server (``http.server`` in a thread) serving generated PNG tiles.

    Each tile is a flat colour from its z/x/y with a dark 1-px frame, so a picture
    built from it can be checked pixel by pixel. It counts requests, answers 403 when
    ``key`` is set and the request's ``?key=`` differs, and 500 for every tile when
    ``fail`` is set.
    """

    def __init__(self, key: str | None = None):
        import http.server
        import io
        import threading
        import urllib.parse

        from PIL import Image

        self.key = key
        self.fail = False
        self.requests: list[str] = []
        srv = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                u = urllib.parse.urlparse(self.path)
                srv.requests.append(u.path)
                q = urllib.parse.parse_qs(u.query)
                parts = u.path.strip("/").split("/")
                if srv.fail:
                    self.send_error(500, "tile server down")
                    return
                if srv.key is not None and q.get("key") != [srv.key]:
                    self.send_error(403, "bad key")
                    return
                try:
                    z, x, y = int(parts[-3]), int(parts[-2]), int(parts[-1].split(".")[0])
                except (ValueError, IndexError):
                    self.send_error(404)
                    return
                im = Image.new("RGB", (256, 256), srv.colour(z, x, y))
                buf = io.BytesIO()
                im.save(buf, "PNG")
                data = buf.getvalue()
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @staticmethod
    def colour(z: int, x: int, y: int) -> tuple[int, int, int]:
        return (40 + (x * 37) % 160, 40 + (y * 53) % 160, 40 + (z * 20) % 160)

    @property
    def template(self) -> str:
        q = "?key={key}" if self.key is not None else ""
        return f"http://127.0.0.1:{self.port}/tiles/{{z}}/{{x}}/{{y}}.png{q}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
