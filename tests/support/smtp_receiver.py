#!/usr/bin/python3
"""A local SMTP server for the email receiver's tests, on Debian's aiosmtpd.

It requires STARTTLS and AUTH (LOGIN or PLAIN) as a real submission server does, and writes
one JSON object per accepted or refused message to --record: the envelope, whether the
session was encrypted and authenticated, and the decoded Subject, Message-ID and body. While
the file named by --fail-file exists, every message is refused with a temporary 451, as a
server in trouble answers.

  smtp_receiver.py --port-file F --record F --cert F --key F --user U --password P --fail-file F
"""

import argparse
import asyncio
import email
import email.policy
import json
import os
import signal
import socket
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Recorder:
    def __init__(self, record_path, fail_file):
        self.record_path = record_path
        self.fail_file = fail_file

    def write(self, entry):
        with open(self.record_path, "a", encoding="utf-8") as out:
            out.write(json.dumps(entry) + "\n")

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        refused = os.path.exists(self.fail_file)
        body = message.get_body(preferencelist=("plain",))
        self.write({
            "answered": 451 if refused else 250,
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None,
            "authenticated": bool(session.authenticated),
            "message_id": str(message.get("Message-ID", "")),
            "event_id": str(message.get("X-Webmon-Event-Id", "")),
            "kind": str(message.get("X-Webmon-Kind", "")),
            "incident_id": str(message.get("X-Webmon-Incident-Id", "")),
            "subject": str(message.get("Subject", "")),
            "from": str(message.get("From", "")),
            "to": str(message.get("To", "")),
            "body": body.get_content() if body is not None else "",
        })
        if refused:
            return "451 4.3.0 the test server refuses for now, try again later"
        return "250 2.0.0 accepted"


def main():
    parser = argparse.ArgumentParser()
    for name in ("--port-file", "--record", "--cert", "--key", "--user", "--password", "--fail-file"):
        parser.add_argument(name, required=True)
    args = parser.parse_args()

    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(args.cert, args.key)

    def authenticate(server, session, envelope, mechanism, auth_data):
        good = (isinstance(auth_data, LoginPassword)
                and auth_data.login == args.user.encode()
                and auth_data.password == args.password.encode())
        return AuthResult(success=good, handled=False)

    # aiosmtpd's controller checks it is up by connecting to its port: it needs a real one.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Recorder(args.record, args.fail_file), hostname="127.0.0.1",
                            port=port, tls_context=tls, require_starttls=True,
                            authenticator=authenticate, auth_required=True,
                            auth_require_tls=True)
    controller.start()
    with open(args.port_file + ".tmp", "w") as out:
        out.write(str(port))
    os.replace(args.port_file + ".tmp", args.port_file)
    print(f"smtp receiver on 127.0.0.1:{port}", flush=True)

    done = asyncio.Event()
    loop = asyncio.new_event_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, done.set)
    loop.run_until_complete(done.wait())
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
