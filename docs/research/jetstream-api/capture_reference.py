#!/usr/bin/env python3
"""Capture the JetStream API exactly as the reference nats-server answers it.

    /work/main/.venv/bin/python capture_reference.py [--out PATH] [--port 14501] [--domain-port 14502]

Starts `nats-server -js -sd <tmpdir>` (plus a config file for server_name and, for the second
server, `jetstream { domain: edge }`) on 127.0.0.1 and sends raw JetStream API requests:

  * JSON API calls go through nats-py's core `nc.request(subject, payload)` (no JS helpers); the
    reply is recorded parsed (`reply`) and byte for byte (`raw`: Go's key order and its
    `\\u003e`-style HTML escapes are only visible there).
  * Replies that are messages rather than JSON (DIRECT.GET, CONSUMER.MSG.NEXT, push deliveries,
    heartbeats, status messages such as `404 No Messages`, no-responders) go through a small raw
    protocol client, so the exact header block is kept (`raw_headers`) as well as a parsed form
    (`headers`, with `Status`/`Description` for an inline status like nats-py builds it).

Each JSONL line: {"name", "subject", "request", "reply", "raw"?, "headers"?, "raw_headers"?,
"varies"?, "note"?}. `varies` lists the JSON paths (and "raw") whose values change from run to
run (timestamps, ephemeral names, ack reply timestamps); everything else is deterministic
(fixed stream/consumer names, server_name "ref" so cluster.leader is fixed).
Everything is bounded in time; servers are stopped on exit.
"""
import argparse
import asyncio
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import nats
from nats.errors import NoRespondersError, TimeoutError as NatsTimeout

OUT_DEFAULT = "/work/main/Tests/JetStreamTests/Fixtures/reference-api-2.9.10.jsonl"
VOLATILE_KEYS = {"created", "first_ts", "last_ts", "ts", "time", "last_active", "active"}
VOLATILE_HEADERS = {"Nats-Time-Stamp"}


# --------------------------------------------------------------------------------------------
# Server process


class Server:
    def __init__(self, port, domain=None):
        self.port = port
        self.domain = domain
        self.dir = tempfile.mkdtemp(prefix=f"jsref-{port}-")
        self.proc = None

    def start(self):
        store = os.path.join(self.dir, "store")
        conf = os.path.join(self.dir, "server.conf")
        # The store directory comes from -sd; the file only adds what flags cannot say.
        js = f"jetstream {{\n  domain: {self.domain}\n}}" if self.domain else ""
        with open(conf, "w") as f:
            f.write(f'server_name: "ref"\nlisten: "127.0.0.1:{self.port}"\n{js}\n')
        log = open(os.path.join(self.dir, "server.log"), "w")
        self.proc = subprocess.Popen(
            ["nats-server", "-c", conf, "-js", "-sd", store, "-a", "127.0.0.1", "-p", str(self.port)],
            stdout=log, stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError("nats-server exited: " + open(os.path.join(self.dir, "server.log")).read())
                time.sleep(0.05)
        raise RuntimeError("nats-server did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        shutil.rmtree(self.dir, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# Raw protocol client (keeps header blocks byte for byte)


class RawClient:
    def __init__(self, port):
        self.port = port
        self.queues = {}
        self.sid = 0

    async def connect(self):
        self.reader, self.writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", self.port), 5)
        info = await asyncio.wait_for(self.reader.readline(), 5)
        assert info.startswith(b"INFO "), info
        connect = {"verbose": False, "pedantic": False, "headers": True, "no_responders": True, "protocol": 1,
                   "lang": "python-raw", "version": "0"}
        self.writer.write(b"CONNECT " + json.dumps(connect).encode() + b"\r\nPING\r\n")
        await self.writer.drain()
        line = await asyncio.wait_for(self.reader.readline(), 5)
        assert line == b"PONG\r\n", line
        self.task = asyncio.create_task(self.read_loop())

    async def read_loop(self):
        while True:
            line = await self.reader.readline()
            if not line:
                return
            parts = line.decode().rstrip("\r\n").split(" ")
            op = parts[0].upper()
            if op == "PING":
                self.writer.write(b"PONG\r\n")
            elif op in ("MSG", "HMSG"):
                if op == "MSG":
                    subject, sid = parts[1], parts[2]
                    reply = parts[3] if len(parts) == 5 else None
                    hsize, total = 0, int(parts[-1])
                else:
                    subject, sid = parts[1], parts[2]
                    reply = parts[3] if len(parts) == 6 else None
                    hsize, total = int(parts[-2]), int(parts[-1])
                body = await self.reader.readexactly(total + 2)
                raw_headers = body[:hsize].decode() if hsize else None
                data = body[hsize:total]
                q = self.queues.get(sid)
                if q is not None:
                    q.put_nowait(message_record(subject, reply, raw_headers, data))
            elif op == "-ERR":
                print("raw client:", line, file=sys.stderr)

    def subscribe(self, subject):
        self.sid += 1
        sid = str(self.sid)
        self.queues[sid] = asyncio.Queue()
        self.writer.write(f"SUB {subject} {sid}\r\n".encode())
        return sid

    def unsubscribe(self, sid):
        self.writer.write(f"UNSUB {sid}\r\n".encode())
        self.queues.pop(sid, None)

    def publish(self, subject, payload=b"", reply=None, headers=None):
        r = f" {reply}" if reply else ""
        if headers:
            h = "NATS/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
            hb = h.encode()
            self.writer.write(f"HPUB {subject}{r} {len(hb)} {len(hb) + len(payload)}\r\n".encode() + hb + payload + b"\r\n")
        else:
            self.writer.write(f"PUB {subject}{r} {len(payload)}\r\n".encode() + payload + b"\r\n")

    async def flush(self):
        # A round trip through the server: SUB/PUB before it have been processed.
        sid = self.subscribe("_RAW.FLUSH")
        self.publish("_RAW.FLUSH", b"")
        await asyncio.wait_for(self.queues[sid].get(), 5)
        self.unsubscribe(sid)

    async def collect(self, sid, count, timeout, until=None):
        got = []
        deadline = time.monotonic() + timeout
        while len(got) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                m = await asyncio.wait_for(self.queues[sid].get(), left)
            except asyncio.TimeoutError:
                break
            got.append(m)
            if until and until(m):
                break
        return got

    async def close(self):
        self.task.cancel()
        self.writer.close()


def parse_headers(raw):
    """nats-py's shape: inline status -> Status/Description, then `Key: value` lines."""
    if raw is None:
        return None
    lines = raw.split("\r\n")
    first = lines[0]
    hdr = {}
    rest = first[len("NATS/1.0"):].strip()
    if rest:
        status, _, desc = rest.partition(" ")
        hdr["Status"] = status
        if desc:
            hdr["Description"] = desc
    for line in lines[1:]:
        if not line:
            continue
        k, _, v = line.partition(":")
        v = v.strip()
        if k in hdr:
            hdr[k] = hdr[k] if isinstance(hdr[k], list) else [hdr[k]]
            hdr[k].append(v)
        else:
            hdr[k] = v
    return hdr


def message_record(subject, reply, raw_headers, data):
    rec = {"subject": subject, "reply_subject": reply}
    if raw_headers is not None:
        rec["raw_headers"] = raw_headers
        rec["headers"] = parse_headers(raw_headers)
    try:
        rec["data"] = data.decode()
    except UnicodeDecodeError:
        rec["data_base64"] = base64.b64encode(data).decode()
    return rec


# --------------------------------------------------------------------------------------------
# Recording


def volatile_paths(value, path="$"):
    out = []
    if isinstance(value, dict):
        for k, v in value.items():
            p = f"{path}.{k}"
            if k in VOLATILE_KEYS or k in VOLATILE_HEADERS:
                out.append(p)
            else:
                out += volatile_paths(v, p)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += volatile_paths(v, f"{path}[{i}]")
    return out


def encode_request(request):
    if request is None:
        return b""
    if isinstance(request, (bytes, str)):
        return request.encode() if isinstance(request, str) else request
    return json.dumps(request, separators=(",", ":")).encode()


class Recorder:
    def __init__(self, nc, raw, prefix=""):
        self.nc = nc
        self.raw = raw
        self.prefix = prefix
        self.entries = []

    def add(self, entry, varies=(), note=None):
        paths = volatile_paths(entry.get("reply"), "$.reply")
        if isinstance(entry.get("reply"), list):
            for i, m in enumerate(entry["reply"]):
                if isinstance(m, dict) and (m.get("reply_subject") or "").startswith("$JS.ACK."):
                    paths.append(f"$.reply[{i}].reply_subject")
        elif isinstance(entry.get("reply"), dict) and (entry["reply"].get("reply_subject") or "").startswith("$JS.ACK."):
            paths.append("$.reply.reply_subject")
        if isinstance(entry.get("headers"), dict):
            paths += volatile_paths(entry["headers"], "$.headers")
        paths += list(varies)
        # A volatile header makes the raw header block volatile too.
        paths += [p.replace(".headers.Nats-Time-Stamp", ".raw_headers") for p in paths
                  if p.endswith(".headers.Nats-Time-Stamp") and p.startswith("$.reply")]
        if paths:
            if "raw" in entry:
                paths.append("$.raw")
            entry["varies"] = sorted(set(paths))
        if note:
            entry["note"] = note
        self.entries.append(entry)
        status = ""
        r = entry.get("reply")
        if isinstance(r, dict) and "error" in r:
            status = f"error {r['error'].get('err_code')} {r['error'].get('description')}"
        elif isinstance(r, dict) and "headers" in r:
            status = str((r.get("headers") or {}).get("Status", "")) + " " + str((r.get("headers") or {}).get("Description", ""))
        print(f"  {entry['name']}: {status}", file=sys.stderr)
        return r

    async def api(self, name, subject, request=None, headers=None, varies=(), note=None, timeout=3):
        """A JSON request/reply through nats-py core request."""
        subject = self.prefix + subject if subject.startswith("$JS.API") and self.prefix else subject
        payload = encode_request(request)
        entry = {"name": name, "subject": subject, "request": request}
        if headers:
            entry["request_headers"] = headers
        try:
            msg = await self.nc.request(subject, payload, timeout=timeout, headers=headers)
        except NoRespondersError:
            entry["reply"] = {"status": "503", "note": "no responders"}
            return self.add(entry, varies, note)
        except NatsTimeout:
            entry["reply"] = {"status": "timeout", "note": f"no reply within {timeout}s"}
            return self.add(entry, varies, note)
        text = msg.data.decode()
        try:
            entry["reply"] = json.loads(text)
            entry["raw"] = text
        except ValueError:
            entry["reply"] = text
        if msg.headers:
            entry["headers"] = msg.headers
        return self.add(entry, varies, note)

    async def msgs(self, name, subject, request=None, headers=None, count=1, timeout=1.0, until=None,
                   varies=(), note=None, keep_sub=False):
        """A request whose reply is one or more messages (headers kept byte for byte)."""
        inbox = f"_INBOX.ref.{len(self.entries)}"
        sid = self.raw.subscribe(inbox)
        self.raw.publish(subject, encode_request(request), reply=inbox, headers=headers)
        got = await self.raw.collect(sid, count, timeout, until)
        if not keep_sub:
            self.raw.unsubscribe(sid)
        entry = {"name": name, "subject": subject, "request": request}
        if headers:
            entry["request_headers"] = headers
        entry["reply"] = got[0] if count == 1 and len(got) == 1 else got
        if count == 1 and len(got) == 1 and got[0].get("headers"):
            entry["headers"] = got[0]["headers"]
        self.add(entry, varies, note)
        return got, (sid if keep_sub else None)


def is_status(code):
    return lambda m: (m.get("headers") or {}).get("Status") == code


# --------------------------------------------------------------------------------------------
# Scenarios


async def streams(r):
    api = r.api
    await api("account_info_empty", "$JS.API.INFO", None)
    await api("stream_create_minimal", "$JS.API.STREAM.CREATE.S", {"name": "S", "subjects": ["s.>"]})
    await api("stream_create_same_config_again", "$JS.API.STREAM.CREATE.S", {"name": "S", "subjects": ["s.>"]},
              note="idempotent: identical config answers the stream info again")
    await api("stream_create_duplicate_different_config", "$JS.API.STREAM.CREATE.S",
              {"name": "S", "subjects": ["s.>"], "max_msgs": 10})
    await api("stream_create_overlapping_subjects", "$JS.API.STREAM.CREATE.S2", {"name": "S2", "subjects": ["s.a"]})
    await api("stream_create_name_mismatch", "$JS.API.STREAM.CREATE.X", {"name": "Y", "subjects": ["y"]})
    await api("stream_create_invalid_name_wildcard", "$JS.API.STREAM.CREATE.A*", {"name": "A*", "subjects": ["astar"]})
    await api("stream_create_invalid_name_path_separator", "$JS.API.STREAM.CREATE.a/b", {"name": "a/b", "subjects": ["ab"]})
    await api("stream_create_missing_subjects_defaults_to_name", "$JS.API.STREAM.CREATE.NOSUBJ", {"name": "NOSUBJ"})
    await api("stream_create_bad_retention", "$JS.API.STREAM.CREATE.BADRET",
              {"name": "BADRET", "subjects": ["badret"], "retention": "bogus"})
    await api("stream_create_bad_storage", "$JS.API.STREAM.CREATE.BADSTO",
              {"name": "BADSTO", "subjects": ["badsto"], "storage": "disk"})
    await api("stream_create_malformed_json", "$JS.API.STREAM.CREATE.BAD", "{bad json")
    await api("stream_create_empty_body", "$JS.API.STREAM.CREATE.EMPTY", None)
    await api("stream_create_replicas_3", "$JS.API.STREAM.CREATE.R3", {"name": "R3", "subjects": ["r3"], "num_replicas": 3})
    await api("stream_create_replicas_negative", "$JS.API.STREAM.CREATE.RNEG",
              {"name": "RNEG", "subjects": ["rneg"], "num_replicas": -1})
    await api("stream_create_subject_overlaps_api", "$JS.API.STREAM.CREATE.APIS", {"name": "APIS", "subjects": ["$JS.API.>"]})
    await api("stream_create_bad_subject", "$JS.API.STREAM.CREATE.BADSUBJ", {"name": "BADSUBJ", "subjects": ["a..b"]})
    await api("stream_create_duplicate_subjects_in_list", "$JS.API.STREAM.CREATE.DUPSUBJ",
              {"name": "DUPSUBJ", "subjects": ["dup", "dup"]})
    await api("stream_create_max_msgs_per_subject", "$JS.API.STREAM.CREATE.PERSUBJ",
              {"name": "PERSUBJ", "subjects": ["ps.>"], "max_msgs_per_subject": 1})
    await api("stream_create_allow_direct", "$JS.API.STREAM.CREATE.DIRECT",
              {"name": "DIRECT", "subjects": ["d.>"], "allow_direct": True})
    await api("stream_create_deny_delete_purge", "$JS.API.STREAM.CREATE.DENY",
              {"name": "DENY", "subjects": ["deny.>"], "deny_delete": True, "deny_purge": True})
    await api("stream_create_sealed", "$JS.API.STREAM.CREATE.SEALED", {"name": "SEALED", "subjects": ["sealed"], "sealed": True})
    await api("stream_create_mirror_with_subjects", "$JS.API.STREAM.CREATE.M",
              {"name": "M", "subjects": ["m.>"], "mirror": {"name": "S"}})
    await api("stream_create_mirror_with_sources", "$JS.API.STREAM.CREATE.M2",
              {"name": "M2", "mirror": {"name": "S"}, "sources": [{"name": "DIRECT"}]})
    await api("stream_create_placement_tags", "$JS.API.STREAM.CREATE.PLACED",
              {"name": "PLACED", "subjects": ["placed"], "placement": {"tags": ["x"]}})
    await api("stream_create_workqueue", "$JS.API.STREAM.CREATE.WQ",
              {"name": "WQ", "subjects": ["wq.>"], "retention": "workqueue"})
    await api("stream_create_interest_memory", "$JS.API.STREAM.CREATE.INT",
              {"name": "INT", "subjects": ["int.>"], "retention": "interest", "storage": "memory"})
    full = {
        "name": "FULL", "description": "every 2.9 field set", "subjects": ["full.>"], "retention": "limits",
        "max_consumers": 10, "max_msgs": 1000, "max_bytes": 1048576, "max_age": 3600000000000,
        "max_msgs_per_subject": 5, "max_msg_size": 1024, "discard": "new", "storage": "memory",
        "num_replicas": 1, "no_ack": False, "duplicate_window": 60000000000,
        "republish": {"src": "full.>", "dest": "rp.full.>", "headers_only": True},
        "allow_direct": True, "mirror_direct": False, "discard_new_per_subject": True, "sealed": False,
        "deny_delete": True, "deny_purge": False, "allow_rollup_hdrs": True,
    }
    await api("stream_create_full_config", "$JS.API.STREAM.CREATE.FULL", full)
    await api("stream_create_rollup_with_deny_purge", "$JS.API.STREAM.CREATE.RDP",
              {"name": "RDP", "subjects": ["rdp"], "deny_purge": True, "allow_rollup_hdrs": True})
    await api("stream_create_2_10_fields_ignored", "$JS.API.STREAM.CREATE.NEWF", {
        "name": "NEWF", "subjects": ["nf.>"], "compression": "s2", "first_seq": 5, "metadata": {"a": "b"},
        "subject_transform": {"src": "nf.>", "dest": "x.>"}, "consumer_limits": {"max_ack_pending": 10},
    }, note="2.9.10 ignores unknown JSON fields: none of these come back")
    await api("stream_create_no_ack_max_age_dup_window", "$JS.API.STREAM.CREATE.SHORT",
              {"name": "SHORT", "subjects": ["short"], "max_age": 10000000000, "no_ack": True})
    await api("stream_create_dup_window_gt_max_age", "$JS.API.STREAM.CREATE.DUPAGE",
              {"name": "DUPAGE", "subjects": ["dupage"], "max_age": 1000000000, "duplicate_window": 2000000000})
    await api("stream_create_discard_new_per_subject_without_limit", "$JS.API.STREAM.CREATE.DNPS",
              {"name": "DNPS", "subjects": ["dnps"], "discard": "new", "discard_new_per_subject": True})
    await api("stream_create_republish_cycle", "$JS.API.STREAM.CREATE.RPC",
              {"name": "RPC", "subjects": ["rpc.>"], "republish": {"src": ">", "dest": "rpc.x"}})

    # --- publish into S and PubAcks
    for subj, data in [("s.a", "1"), ("s.b", "2"), ("s.a", "3"), ("s.b", "4"), ("s.a", "5")]:
        await api(f"puback_{subj}_{data}", subj, data)
    await api("puback_with_headers_s.h", "s.h", "6", headers={"X-Test": "1"})

    # --- update
    await api("stream_update_subjects", "$JS.API.STREAM.UPDATE.S", {"name": "S", "subjects": ["s.>", "t.>"]})
    await api("stream_update_storage_error", "$JS.API.STREAM.UPDATE.S",
              {"name": "S", "subjects": ["s.>", "t.>"], "storage": "memory"})
    await api("stream_update_retention_error", "$JS.API.STREAM.UPDATE.S",
              {"name": "S", "subjects": ["s.>", "t.>"], "retention": "workqueue"})
    await api("stream_update_not_found", "$JS.API.STREAM.UPDATE.NOPE", {"name": "NOPE", "subjects": ["nope"]})
    await api("stream_update_name_mismatch", "$JS.API.STREAM.UPDATE.S", {"name": "T", "subjects": ["s.>"]})
    await api("stream_update_overlap", "$JS.API.STREAM.UPDATE.S", {"name": "S", "subjects": ["s.>", "d.>"]})
    await api("stream_update_unseal_deny_delete_error", "$JS.API.STREAM.UPDATE.DENY",
              {"name": "DENY", "subjects": ["deny.>"], "deny_delete": False, "deny_purge": True})

    # --- delete a message, then info
    await api("msg_delete_seq_2", "$JS.API.STREAM.MSG.DELETE.S", {"seq": 2})
    await api("msg_delete_seq_3_no_erase", "$JS.API.STREAM.MSG.DELETE.S", {"seq": 3, "no_erase": True})
    await api("msg_delete_missing", "$JS.API.STREAM.MSG.DELETE.S", {"seq": 99})
    await api("msg_delete_again_seq_2", "$JS.API.STREAM.MSG.DELETE.S", {"seq": 2})
    await api("msg_delete_stream_not_found", "$JS.API.STREAM.MSG.DELETE.NOPE", {"seq": 1})
    await api("publish_deny.a", "deny.a", "x")
    await api("msg_delete_deny_delete", "$JS.API.STREAM.MSG.DELETE.DENY", {"seq": 1})
    await api("msg_delete_empty_body", "$JS.API.STREAM.MSG.DELETE.S", None)

    await api("stream_info", "$JS.API.STREAM.INFO.S", None)
    await api("stream_info_subjects_filter_all", "$JS.API.STREAM.INFO.S", {"subjects_filter": ">"})
    await api("stream_info_subjects_filter_s.a", "$JS.API.STREAM.INFO.S", {"subjects_filter": "s.a"})
    await api("stream_info_subjects_filter_no_match", "$JS.API.STREAM.INFO.S", {"subjects_filter": "zzz"})
    await api("stream_info_deleted_details", "$JS.API.STREAM.INFO.S", {"deleted_details": True})
    await api("stream_info_not_found", "$JS.API.STREAM.INFO.NOPE", None)
    await api("stream_info_malformed_json", "$JS.API.STREAM.INFO.S", "{nope")
    await api("stream_info_full", "$JS.API.STREAM.INFO.FULL", None)
    await api("stream_info_nosubj", "$JS.API.STREAM.INFO.NOSUBJ", None)

    # --- msg get
    await api("msg_get_seq_1", "$JS.API.STREAM.MSG.GET.S", {"seq": 1})
    await api("msg_get_with_headers_seq_6", "$JS.API.STREAM.MSG.GET.S", {"seq": 6})
    await api("msg_get_last_by_subj", "$JS.API.STREAM.MSG.GET.S", {"last_by_subj": "s.a"})
    await api("msg_get_next_by_subj", "$JS.API.STREAM.MSG.GET.S", {"next_by_subj": "s.a", "seq": 2})
    await api("msg_get_next_by_subj_wildcard", "$JS.API.STREAM.MSG.GET.S", {"next_by_subj": "s.*", "seq": 2})
    await api("msg_get_deleted_seq", "$JS.API.STREAM.MSG.GET.S", {"seq": 2})
    await api("msg_get_missing_seq", "$JS.API.STREAM.MSG.GET.S", {"seq": 99})
    await api("msg_get_last_by_subj_missing", "$JS.API.STREAM.MSG.GET.S", {"last_by_subj": "s.zzz"})
    await api("msg_get_seq_and_last_by_subj", "$JS.API.STREAM.MSG.GET.S", {"seq": 1, "last_by_subj": "s.a"})
    await api("msg_get_empty_request", "$JS.API.STREAM.MSG.GET.S", {})
    await api("msg_get_empty_body", "$JS.API.STREAM.MSG.GET.S", None)
    await api("msg_get_stream_not_found", "$JS.API.STREAM.MSG.GET.NOPE", {"seq": 1})

    # --- names / list
    await api("stream_names", "$JS.API.STREAM.NAMES", None)
    await api("stream_names_offset_2", "$JS.API.STREAM.NAMES", {"offset": 2})
    await api("stream_names_subject_filter", "$JS.API.STREAM.NAMES", {"subject": "s.a"})
    await api("stream_names_subject_filter_no_match", "$JS.API.STREAM.NAMES", {"subject": "zzz.none"})
    await api("stream_list", "$JS.API.STREAM.LIST", None)
    await api("stream_list_offset_8", "$JS.API.STREAM.LIST", {"offset": 8})
    await api("stream_list_subject_filter", "$JS.API.STREAM.LIST", {"subject": "d.x"})


async def mirrors(r):
    await r.api("stream_create_mirror", "$JS.API.STREAM.CREATE.MIR", {"name": "MIR", "mirror": {"name": "S"}})
    await r.api("stream_create_sources", "$JS.API.STREAM.CREATE.SRC",
                {"name": "SRC", "subjects": ["src.>"], "sources": [{"name": "S", "filter_subject": "s.a"}, {"name": "DIRECT"}]})
    await asyncio.sleep(1.0)
    await r.api("stream_info_mirror", "$JS.API.STREAM.INFO.MIR", None)
    await r.api("stream_info_sources", "$JS.API.STREAM.INFO.SRC", None)
    await r.api("stream_update_mirror_error", "$JS.API.STREAM.UPDATE.MIR", {"name": "MIR", "mirror": {"name": "DIRECT"}})


async def direct_get(r):
    for subj, data in [("d.a", "A1"), ("d.b", "B1"), ("d.a", "A2")]:
        await r.api(f"puback_direct_{subj}_{data}", subj, data)
    await r.api("puback_direct_with_headers", "d.h", "H1", headers={"X-Test": "1"})
    m = r.msgs
    await m("direct_get_seq_1", "$JS.API.DIRECT.GET.DIRECT", {"seq": 1})
    await m("direct_get_with_headers", "$JS.API.DIRECT.GET.DIRECT", {"seq": 4})
    await m("direct_get_last_by_subj", "$JS.API.DIRECT.GET.DIRECT", {"last_by_subj": "d.a"})
    await m("direct_get_next_by_subj", "$JS.API.DIRECT.GET.DIRECT", {"next_by_subj": "d.a", "seq": 2})
    await m("direct_get_subject_form", "$JS.API.DIRECT.GET.DIRECT.d.a", None)
    await m("direct_get_subject_form_multi_token", "$JS.API.DIRECT.GET.DIRECT.d.>", None,
            note="the tail after the stream name is used as last_by_subj as is")
    await m("direct_get_not_found_seq", "$JS.API.DIRECT.GET.DIRECT", {"seq": 99})
    await m("direct_get_not_found_subject_form", "$JS.API.DIRECT.GET.DIRECT.d.zzz", None)
    await m("direct_get_empty_body", "$JS.API.DIRECT.GET.DIRECT", None)
    await m("direct_get_empty_request", "$JS.API.DIRECT.GET.DIRECT", {})
    await m("direct_get_malformed", "$JS.API.DIRECT.GET.DIRECT", "{bad")
    await m("direct_get_seq_and_last", "$JS.API.DIRECT.GET.DIRECT", {"seq": 1, "last_by_subj": "d.a"})
    await m("direct_get_last_and_next", "$JS.API.DIRECT.GET.DIRECT", {"last_by_subj": "d.a", "next_by_subj": "d.a"})
    await m("direct_get_subject_form_with_body", "$JS.API.DIRECT.GET.DIRECT.d.a", {"seq": 1})
    await m("direct_get_not_allowed_stream", "$JS.API.DIRECT.GET.S", {"seq": 1},
            note="stream without allow_direct: no reply at all (the $JS.API.> subscription means no 503 either)")


async def purge(r):
    api = r.api
    await api("stream_create_P", "$JS.API.STREAM.CREATE.P", {"name": "P", "subjects": ["p.>"]})
    for i, subj in enumerate(["p.a", "p.a", "p.b", "p.a", "p.b", "p.c", "p.a", "p.b"], 1):
        await api(f"puback_P_{i}", subj, str(i))
    await api("purge_filter_p.c", "$JS.API.STREAM.PURGE.P", {"filter": "p.c"})
    await api("purge_filter_keep_1", "$JS.API.STREAM.PURGE.P", {"filter": "p.a", "keep": 1})
    await api("purge_seq_3", "$JS.API.STREAM.PURGE.P", {"seq": 3})
    await api("stream_info_P_after_purges", "$JS.API.STREAM.INFO.P", None)
    await api("purge_keep_1", "$JS.API.STREAM.PURGE.P", {"keep": 1})
    await api("purge_seq_and_keep_error", "$JS.API.STREAM.PURGE.P", {"seq": 3, "keep": 1})
    await api("purge_all", "$JS.API.STREAM.PURGE.P", None)
    await api("purge_all_again_empty", "$JS.API.STREAM.PURGE.P", None)
    await api("stream_info_P_after_purge_all", "$JS.API.STREAM.INFO.P", None)
    await api("purge_deny_purge", "$JS.API.STREAM.PURGE.DENY", None)
    await api("purge_not_found", "$JS.API.STREAM.PURGE.NOPE", None)
    await api("purge_malformed", "$JS.API.STREAM.PURGE.P", "{x")


async def consumers(r):
    api = r.api
    await api("stream_create_C", "$JS.API.STREAM.CREATE.C", {"name": "C", "subjects": ["c.>"]})
    for subj, data in [("c.a", "1"), ("c.b", "2"), ("c.a", "3")]:
        await api(f"puback_C_{subj}_{data}", subj, data)

    cc = "$JS.API.CONSUMER.CREATE.C"
    await api("consumer_create_legacy_form_with_durable_error", cc,
              {"stream_name": "C", "config": {"durable_name": "D1", "ack_policy": "explicit"}},
              note="2.9.10: $JS.API.CONSUMER.CREATE.<stream> is the legacy ephemeral form; a durable_name there is 10020")
    await api("consumer_create_ephemeral_push", cc,
              {"stream_name": "C", "config": {"deliver_subject": "dlv.eph", "ack_policy": "explicit"}},
              varies=["$.reply.name", "$.reply.config.name"], note="ephemeral: server picks a random 8-char name")
    await api("consumer_create_ephemeral_pull", cc,
              {"stream_name": "C", "config": {"ack_policy": "explicit"}},
              varies=["$.reply.name", "$.reply.config.name"])
    await api("consumer_create_named_ephemeral", "$JS.API.CONSUMER.CREATE.C.NAMED",
              {"stream_name": "C", "config": {"name": "NAMED", "ack_policy": "explicit"}})
    await api("consumer_create_named_without_name_in_body", "$JS.API.CONSUMER.CREATE.C.NAMED2",
              {"stream_name": "C", "config": {"ack_policy": "explicit"}})
    await api("consumer_create_named_durable", "$JS.API.CONSUMER.CREATE.C.NDUR",
              {"stream_name": "C", "config": {"durable_name": "NDUR", "ack_policy": "explicit"}})
    await api("consumer_create_named_durable_mismatch", "$JS.API.CONSUMER.CREATE.C.NDUR2",
              {"stream_name": "C", "config": {"durable_name": "OTHER", "ack_policy": "explicit"}})
    await api("consumer_create_named_name_mismatch", "$JS.API.CONSUMER.CREATE.C.NM1",
              {"stream_name": "C", "config": {"name": "NM2", "ack_policy": "explicit"}})
    await api("consumer_create_filter_form", "$JS.API.CONSUMER.CREATE.C.F1.c.a",
              {"stream_name": "C", "config": {"durable_name": "F1", "filter_subject": "c.a", "ack_policy": "explicit"}})
    await api("consumer_create_filter_form_mismatch", "$JS.API.CONSUMER.CREATE.C.F2.c.a",
              {"stream_name": "C", "config": {"durable_name": "F2", "filter_subject": "c.b", "ack_policy": "explicit"}})
    await api("consumer_create_filter_form_single_token_ignored", "$JS.API.CONSUMER.CREATE.C.F3.foo",
              {"stream_name": "C", "config": {"durable_name": "F3", "filter_subject": "c.b", "ack_policy": "explicit"}},
              note="2.9.10 only looks for a filter when the subject has more than 7 tokens")
    await api("consumer_create_missing_stream_name", "$JS.API.CONSUMER.CREATE.C.X1", {"config": {"ack_policy": "explicit"}})
    await api("consumer_create_stream_not_found", "$JS.API.CONSUMER.CREATE.NOPE.X1",
              {"stream_name": "NOPE", "config": {"ack_policy": "explicit"}})
    await api("consumer_create_malformed", "$JS.API.CONSUMER.CREATE.C.X1", "{x")
    await api("consumer_create_no_config", "$JS.API.CONSUMER.CREATE.C.X1", {"stream_name": "C"})
    await api("consumer_create_path_separator", "$JS.API.CONSUMER.CREATE.C.a\\b",
              {"stream_name": "C", "config": {"name": "a\\b", "ack_policy": "explicit"}})

    dc = "$JS.API.CONSUMER.DURABLE.CREATE.C"
    await api("durable_create_pull", f"{dc}.PULL", {"stream_name": "C", "config": {"durable_name": "PULL", "ack_policy": "explicit"}})
    await api("durable_create_same_again", f"{dc}.PULL", {"stream_name": "C", "config": {"durable_name": "PULL", "ack_policy": "explicit"}})
    await api("durable_create_update_max_ack_pending", f"{dc}.PULL",
              {"stream_name": "C", "config": {"durable_name": "PULL", "ack_policy": "explicit", "max_ack_pending": 50}})
    await api("durable_create_change_deliver_policy_error", f"{dc}.PULL",
              {"stream_name": "C", "config": {"durable_name": "PULL", "ack_policy": "explicit", "max_ack_pending": 50,
                                              "deliver_policy": "new"}})
    await api("durable_create_pull_to_push_error", f"{dc}.PULL",
              {"stream_name": "C", "config": {"durable_name": "PULL", "ack_policy": "explicit", "deliver_subject": "x.y"}})
    await api("durable_create_mismatch", f"{dc}.D2", {"stream_name": "C", "config": {"durable_name": "D3", "ack_policy": "explicit"}})
    await api("durable_create_missing_durable", f"{dc}.D2", {"stream_name": "C", "config": {"ack_policy": "explicit"}})
    await api("durable_create_dotted_durable_name_mismatch", "$JS.API.CONSUMER.DURABLE.CREATE.C.a",
              {"stream_name": "C", "config": {"durable_name": "a.b", "ack_policy": "explicit"}},
              note="a dotted name can never equal the subject token, so 10017 comes first")
    await api("durable_create_bad_durable_name", "$JS.API.CONSUMER.DURABLE.CREATE.C.a*",
              {"stream_name": "C", "config": {"durable_name": "a*", "ack_policy": "explicit"}})
    await api("durable_create_too_few_tokens", "$JS.API.CONSUMER.DURABLE.CREATE.C", {"stream_name": "C", "config": {"durable_name": "C"}},
              timeout=1, note="matches no API handler; the server's own $JS.API.> subscription swallows it: no reply, no 503")

    bad = [
        ("ack_none_with_max_ack_pending", {"durable_name": "B1", "ack_policy": "none", "max_ack_pending": 10, "deliver_subject": "b1"}),

        ("push_with_max_waiting", {"durable_name": "B3", "ack_policy": "explicit", "deliver_subject": "b3", "max_waiting": 10}),
        ("filter_not_in_stream", {"durable_name": "B4", "ack_policy": "explicit", "filter_subject": "zzz"}),
        ("pull_with_heartbeat", {"durable_name": "B5", "ack_policy": "explicit", "idle_heartbeat": 1000000000}),
        ("pull_with_flow_control", {"durable_name": "B6", "ack_policy": "explicit", "flow_control": True}),
        ("pull_with_rate_limit", {"durable_name": "B7", "ack_policy": "explicit", "rate_limit_bps": 1000}),
        ("deliver_subject_wildcard", {"durable_name": "B8", "ack_policy": "explicit", "deliver_subject": "x.*"}),
        ("deliver_subject_cycle", {"durable_name": "B9", "ack_policy": "explicit", "deliver_subject": "c.x"}),
        ("by_start_sequence_without_seq", {"durable_name": "B10", "ack_policy": "explicit", "deliver_policy": "by_start_sequence"}),
        ("opt_start_seq_with_deliver_all", {"durable_name": "B11", "ack_policy": "explicit", "opt_start_seq": 2}),
        ("by_start_time_without_time", {"durable_name": "B12", "ack_policy": "explicit", "deliver_policy": "by_start_time"}),
        ("backoff_exceeds_max_deliver", {"durable_name": "B13", "ack_policy": "explicit", "max_deliver": 2,
                                         "backoff": [1000000000, 2000000000]}),
        ("description_too_long", {"durable_name": "B14", "ack_policy": "explicit", "description": "x" * 4097}),
        ("replicas_3", {"durable_name": "B15", "ack_policy": "explicit", "num_replicas": 3}),
        ("small_heartbeat", {"durable_name": "B16", "ack_policy": "explicit", "deliver_subject": "b16", "idle_heartbeat": 50000000}),
        ("flow_control_without_heartbeat", {"durable_name": "B17", "ack_policy": "explicit", "deliver_subject": "b17",
                                            "flow_control": True}),
        ("max_waiting_negative", {"durable_name": "B18", "ack_policy": "explicit", "max_waiting": -1}),
        ("max_batch_negative", {"durable_name": "B19", "ack_policy": "explicit", "max_batch": -1}),
        ("max_expires_too_small", {"durable_name": "B20", "ack_policy": "explicit", "max_expires": 100}),
        ("bad_ack_policy", {"durable_name": "B21", "ack_policy": "sometimes"}),
        ("bad_deliver_policy", {"durable_name": "B22", "deliver_policy": "whenever"}),
        ("bad_replay_policy", {"durable_name": "B23", "ack_policy": "explicit", "replay_policy": "fast"}),
        ("sample_freq_invalid", {"durable_name": "B24", "ack_policy": "explicit", "sample_freq": "abc"}),
        ("direct_flag", {"durable_name": "B25", "ack_policy": "explicit", "direct": True}),

        ("name_and_durable_differ", {"durable_name": "B28", "name": "B28X", "ack_policy": "explicit"}),
        ("deliver_last_per_subject_without_filter", {"durable_name": "B30", "ack_policy": "explicit",
                                                     "deliver_policy": "last_per_subject"}),
    ]
    for name, cfg in bad:
        await api(f"consumer_invalid_{name}", f"{dc}.{cfg['durable_name']}", {"stream_name": "C", "config": cfg})
    # Accepted by 2.9.10 although one might expect an error.
    allowed = [
        ("pull_ack_none", {"durable_name": "A1", "ack_policy": "none"}),
        ("deliver_group_flow_control", {"durable_name": "A2", "ack_policy": "explicit", "deliver_subject": "a2",
                                        "deliver_group": "g", "flow_control": True, "idle_heartbeat": 1000000000}),
        ("deliver_group_heartbeat", {"durable_name": "A3", "ack_policy": "explicit", "deliver_subject": "a3",
                                     "deliver_group": "g", "idle_heartbeat": 1000000000}),
        ("inactive_threshold_on_durable", {"durable_name": "A4", "ack_policy": "explicit", "inactive_threshold": 1000000000}),
    ]
    for name, cfg in allowed:
        await api(f"consumer_allowed_{name}", f"{dc}.{cfg['durable_name']}", {"stream_name": "C", "config": cfg})

    await api("consumer_create_full_pull_config", f"{dc}.FULLPULL", {"stream_name": "C", "config": {
        "durable_name": "FULLPULL", "description": "every pull field", "deliver_policy": "by_start_sequence",
        "opt_start_seq": 2, "ack_policy": "explicit", "ack_wait": 10000000000, "max_deliver": 5,
        "backoff": [1000000000, 2000000000], "filter_subject": "c.a", "replay_policy": "instant",
        "sample_freq": "50%", "max_waiting": 16, "max_ack_pending": 100, "headers_only": True,
        "max_batch": 10, "max_expires": 30000000000, "max_bytes": 1048576, "num_replicas": 1, "mem_storage": True}})
    await api("consumer_create_full_push_config", f"{dc}.FULLPUSH", {"stream_name": "C", "config": {
        "durable_name": "FULLPUSH", "description": "every push field", "deliver_policy": "by_start_time",
        "opt_start_time": "2020-01-01T00:00:00Z", "ack_policy": "all", "ack_wait": 5000000000, "max_deliver": 3,
        "filter_subject": "c.>", "replay_policy": "original", "rate_limit_bps": 1000000, "max_ack_pending": 20,
        "idle_heartbeat": 5000000000, "flow_control": True, "deliver_subject": "push.full", "num_replicas": 0}})
    await api("consumer_create_push_group_last_per_subject", f"{dc}.GROUP", {"stream_name": "C", "config": {
        "durable_name": "GROUP", "ack_policy": "explicit", "deliver_subject": "push.group", "deliver_group": "g",
        "deliver_policy": "last_per_subject", "filter_subject": "c.>"}})
    await api("consumer_create_deliver_last", f"{dc}.LAST",
              {"stream_name": "C", "config": {"durable_name": "LAST", "deliver_policy": "last", "ack_policy": "none",
                                              "deliver_subject": "push.last"}})
    await api("consumer_create_deliver_new", f"{dc}.NEW",
              {"stream_name": "C", "config": {"durable_name": "NEW", "deliver_policy": "new", "ack_policy": "all",
                                              "deliver_subject": "push.new"}})
    await api("consumer_create_ephemeral_inactive_threshold", "$JS.API.CONSUMER.CREATE.C",
              {"stream_name": "C", "config": {"deliver_subject": "dlv.inact", "inactive_threshold": 60000000000,
                                              "ack_policy": "none"}},
              varies=["$.reply.name", "$.reply.config.name"])

    # Workqueue stream rules.
    wc = "$JS.API.CONSUMER.DURABLE.CREATE.WQ"
    await api("wq_consumer_ack_none", f"{wc}.W1", {"stream_name": "WQ", "config": {"durable_name": "W1", "ack_policy": "none", "deliver_subject": "w1"}})
    await api("wq_consumer_ok", f"{wc}.W2", {"stream_name": "WQ", "config": {"durable_name": "W2", "ack_policy": "explicit"}})
    await api("wq_consumer_second_unfiltered", f"{wc}.W3", {"stream_name": "WQ", "config": {"durable_name": "W3", "ack_policy": "explicit"}})
    await api("wq_consumer_filtered_not_unique", f"{wc}.W4", {"stream_name": "WQ", "config": {
        "durable_name": "W4", "ack_policy": "explicit", "filter_subject": "wq.a"}})
    await api("stream_create_WQ2", "$JS.API.STREAM.CREATE.WQ2", {"name": "WQ2", "subjects": ["wq2.>"], "retention": "workqueue"})
    await api("wq_consumer_deliver_last", "$JS.API.CONSUMER.DURABLE.CREATE.WQ2.W5", {"stream_name": "WQ2", "config": {
        "durable_name": "W5", "ack_policy": "explicit", "deliver_policy": "last"}})

    # Info / names / list / delete.
    await api("consumer_info", "$JS.API.CONSUMER.INFO.C.PULL", None)
    await api("consumer_info_not_found", "$JS.API.CONSUMER.INFO.C.NOPE", None)
    await api("consumer_info_stream_not_found", "$JS.API.CONSUMER.INFO.NOPE.PULL", None)
    await api("consumer_info_with_body", "$JS.API.CONSUMER.INFO.C.PULL", {"x": 1})
    await api("consumer_names", "$JS.API.CONSUMER.NAMES.C", None, varies=["$.reply.consumers"],
              note="includes the ephemeral consumers' random names")
    await api("consumer_names_offset_3", "$JS.API.CONSUMER.NAMES.C", {"offset": 3}, varies=["$.reply.consumers"])
    await api("consumer_names_stream_not_found", "$JS.API.CONSUMER.NAMES.NOPE", None)
    await api("consumer_names_subject_filter", "$JS.API.CONSUMER.NAMES.C", {"subject": "c.a"}, varies=["$.reply.consumers"],
              note="2.9.10 has no subject filter on CONSUMER.NAMES: the field is ignored")
    await api("consumer_list", "$JS.API.CONSUMER.LIST.C", None, varies=["$.reply.consumers"])
    await api("consumer_list_offset_100", "$JS.API.CONSUMER.LIST.C", {"offset": 100})
    await api("consumer_delete_named", "$JS.API.CONSUMER.DELETE.C.NAMED", None)
    await api("consumer_delete_not_found", "$JS.API.CONSUMER.DELETE.C.NAMED", None)
    await api("consumer_delete_stream_not_found", "$JS.API.CONSUMER.DELETE.NOPE.X", None)


async def pull(r):
    api, m = r.api, r.msgs
    nx = "$JS.API.CONSUMER.MSG.NEXT.C"
    got, _ = await m("msg_next_default_batch_1", f"{nx}.PULL", None, count=1, timeout=2)
    # ack the first one so ack_floor moves
    if got and got[0].get("reply_subject"):
        await api("ack_first_message", got[0]["reply_subject"], "+ACK", varies=["$.subject"],
                  note="an ack sent as a request gets an empty reply")
    await m("msg_next_batch_5_no_wait_two_left", f"{nx}.PULL", {"batch": 5, "no_wait": True}, count=6, timeout=1.0,
            until=lambda x: (x.get("headers") or {}).get("Status") is not None,
            note="the 2 available messages, then (for no_wait) a 408/404 status ends the request")
    await api("consumer_info_PULL_after_deliveries", "$JS.API.CONSUMER.INFO.C.PULL", None)
    await m("msg_next_no_wait_nothing_pending", f"{nx}.PULL", {"no_wait": True}, count=1, timeout=1)
    await m("msg_next_expires_timeout", f"{nx}.PULL", {"batch": 1, "expires": 300000000}, count=1, timeout=2)
    await m("msg_next_expires_batch_3_timeout", f"{nx}.PULL", {"batch": 3, "expires": 300000000, "max_bytes": 2048},
            count=1, timeout=2)
    await m("msg_next_idle_heartbeat", f"{nx}.PULL", {"batch": 1, "expires": 1000000000, "idle_heartbeat": 300000000},
            count=6, timeout=2.5, until=is_status("408"))
    await m("msg_next_heartbeat_too_large", f"{nx}.PULL", {"expires": 100000000, "idle_heartbeat": 100000000}, count=1, timeout=1)
    await m("msg_next_heartbeat_without_expires", f"{nx}.PULL", {"idle_heartbeat": 100000000}, count=1, timeout=1)
    await m("msg_next_malformed", f"{nx}.PULL", "{bad", count=1, timeout=1)
    await m("msg_next_plain_number_no_messages", f"{nx}.PULL", "2", count=1, timeout=0.5,
            note="a plain number is a batch size with no expiry: nothing answers while there is nothing to deliver")
    await m("msg_next_push_consumer", f"{nx}.FULLPUSH", None, count=1, timeout=1)
    await m("msg_next_consumer_not_found", f"{nx}.NOPE", None, count=1, timeout=1,
            note="no reply at all: not a 503, the server's $JS.API.> subscription is interest")

    # max_waiting 1
    await api("durable_create_pull_max_waiting_1", "$JS.API.CONSUMER.DURABLE.CREATE.C.PW",
              {"stream_name": "C", "config": {"durable_name": "PW", "ack_policy": "explicit", "max_waiting": 1,
                                              "deliver_policy": "new"}})
    _, sid = await m("msg_next_max_waiting_first_request_parked", f"{nx}.PW", {"batch": 1, "expires": 2000000000},
                     count=1, timeout=0.3, keep_sub=True)
    await m("msg_next_exceeded_max_waiting", f"{nx}.PW", {"batch": 1, "expires": 2000000000}, count=1, timeout=1)
    await api("consumer_info_PW_one_waiting", "$JS.API.CONSUMER.INFO.C.PW", None)
    r.raw.unsubscribe(sid)
    # max_batch / max_expires / max_bytes limits
    await api("durable_create_pull_limits", "$JS.API.CONSUMER.DURABLE.CREATE.C.PL",
              {"stream_name": "C", "config": {"durable_name": "PL", "ack_policy": "explicit", "max_batch": 2,
                                              "max_expires": 1000000000, "max_bytes": 100}})
    await m("msg_next_exceeded_max_request_batch", f"{nx}.PL", {"batch": 5}, count=1, timeout=1)
    await m("msg_next_exceeded_max_request_expires", f"{nx}.PL", {"batch": 1, "expires": 5000000000}, count=1, timeout=1)
    await m("msg_next_exceeded_max_request_max_bytes", f"{nx}.PL", {"batch": 1, "max_bytes": 1000}, count=1, timeout=1)
    await m("msg_next_message_size_exceeds_max_bytes", f"{nx}.PL", {"batch": 1, "max_bytes": 1, "expires": 500000000},
            count=1, timeout=1.5)
    await m("msg_next_max_bytes_fits", f"{nx}.PL", {"batch": 2, "max_bytes": 100, "expires": 300000000},
            count=3, timeout=1.5, until=lambda x: (x.get("headers") or {}).get("Status") is not None)

    # Push consumer with heartbeats: the deliveries, their ack subjects and an idle heartbeat.
    sid = r.raw.subscribe("push.hb")
    await r.raw.flush()
    await api("durable_create_push_heartbeat", "$JS.API.CONSUMER.DURABLE.CREATE.C.PUSHHB",
              {"stream_name": "C", "config": {"durable_name": "PUSHHB", "ack_policy": "explicit", "deliver_subject": "push.hb",
                                              "idle_heartbeat": 300000000, "flow_control": True}})
    got = await r.raw.collect(sid, 5, 1.5, until=is_status("100"))
    entry = {"name": "push_deliveries_and_idle_heartbeat", "subject": "push.hb", "request": None, "reply": got}
    r.add(entry, note="3 deliveries with $JS.ACK reply subjects, then `100 Idle Heartbeat` (flow_control on)")
    await api("consumer_info_PUSHHB_push_bound", "$JS.API.CONSUMER.INFO.C.PUSHHB", None)
    r.raw.unsubscribe(sid)
    await r.raw.flush()
    await asyncio.sleep(0.2)
    await api("consumer_info_PUSHHB_after_unsubscribe", "$JS.API.CONSUMER.INFO.C.PUSHHB", None)


async def pubacks(r):
    api = r.api
    await api("stream_create_PUB", "$JS.API.STREAM.CREATE.PUB", {"name": "PUB", "subjects": ["pub.>"]})
    await api("puback_msg_id_first", "pub.a", "1", headers={"Nats-Msg-Id": "id-1"})
    await api("puback_msg_id_duplicate", "pub.a", "1", headers={"Nats-Msg-Id": "id-1"})
    await api("puback_expected_stream_ok", "pub.a", "2", headers={"Nats-Expected-Stream": "PUB"})
    await api("puback_expected_stream_wrong", "pub.a", "x", headers={"Nats-Expected-Stream": "WRONG"})
    await api("puback_expected_last_seq_ok", "pub.b", "3", headers={"Nats-Expected-Last-Sequence": "2"})
    await api("puback_expected_last_seq_wrong", "pub.b", "x", headers={"Nats-Expected-Last-Sequence": "99"})
    await api("puback_expected_last_subject_seq_ok", "pub.a", "4", headers={"Nats-Expected-Last-Subject-Sequence": "2"})
    await api("puback_expected_last_subject_seq_wrong", "pub.a", "x", headers={"Nats-Expected-Last-Subject-Sequence": "1"})
    await api("puback_expected_last_subject_seq_zero_wrong", "pub.b", "x",
              headers={"Nats-Expected-Last-Subject-Sequence": "0"}, note="0 means: no message on this subject yet")
    await api("puback_expected_last_msg_id_after_message_without_id", "pub.a", "5",
              headers={"Nats-Expected-Last-Msg-Id": "id-1", "Nats-Msg-Id": "id-2"},
              note="the last msg id is that of the last stored message, here one without Nats-Msg-Id: empty")
    await api("puback_msg_id_3", "pub.c", "5", headers={"Nats-Msg-Id": "id-3"})
    await api("puback_expected_last_msg_id_ok", "pub.c", "6",
              headers={"Nats-Expected-Last-Msg-Id": "id-3", "Nats-Msg-Id": "id-4"})
    await api("puback_expected_last_msg_id_wrong", "pub.a", "x", headers={"Nats-Expected-Last-Msg-Id": "nope"})
    await api("puback_rollup_not_allowed", "pub.a", "x", headers={"Nats-Rollup": "sub"})
    await api("puback_bad_rollup_value", "pub.a", "x", headers={"Nats-Rollup": "bogus"})
    await api("puback_bad_expected_last_seq_value", "pub.a", "6", headers={"Nats-Expected-Last-Sequence": "abc"},
              note="unparsable value parses as 0 and is still checked")
    await api("stream_create_MAXSZ", "$JS.API.STREAM.CREATE.MAXSZ", {"name": "MAXSZ", "subjects": ["maxsz"], "max_msg_size": 8})
    await api("puback_max_msg_size_exceeded", "maxsz", "0123456789")
    await api("stream_create_DNEW", "$JS.API.STREAM.CREATE.DNEW",
              {"name": "DNEW", "subjects": ["dnew"], "max_msgs": 1, "discard": "new"})
    await api("puback_discard_new_first", "dnew", "1")
    await api("puback_discard_new_max_msgs", "dnew", "2")
    await api("stream_create_DNEWB", "$JS.API.STREAM.CREATE.DNEWB",
              {"name": "DNEWB", "subjects": ["dnewb"], "max_bytes": 100, "discard": "new"})
    await api("puback_discard_new_max_bytes_first", "dnewb", "x" * 30)
    await api("puback_discard_new_max_bytes_second", "dnewb", "x" * 30,
              note="2.9.10 file store refuses only when state bytes + len(payload+headers) >= max_bytes (65+30 < 100 here); "
                   "the message is stored and the bytes limit then drops the oldest, discard new or not")
    await api("puback_discard_new_max_bytes_third", "dnewb", "x" * 30)
    await api("puback_discard_new_max_bytes_fourth", "dnewb", "x" * 30)
    await api("stream_info_DNEWB", "$JS.API.STREAM.INFO.DNEWB", None)
    await api("stream_create_TOOBIG", "$JS.API.STREAM.CREATE.TOOBIG",
              {"name": "TOOBIG", "subjects": ["toobig"], "max_bytes": 10, "discard": "new"})
    await api("puback_message_larger_than_max_bytes", "toobig", "0123456789abcdef",
              note="payload alone >= max_bytes: 10077 maximum bytes exceeded")
    await api("stream_info_TOOBIG", "$JS.API.STREAM.INFO.TOOBIG", None)
    await api("stream_create_DNPS2", "$JS.API.STREAM.CREATE.DNPS2",
              {"name": "DNPS2", "subjects": ["dnps2.>"], "max_msgs_per_subject": 1, "discard": "new",
               "discard_new_per_subject": True})
    await api("puback_discard_new_per_subject_first", "dnps2.a", "1")
    await api("puback_discard_new_per_subject", "dnps2.a", "2")
    await api("stream_create_ROLL", "$JS.API.STREAM.CREATE.ROLL", {"name": "ROLL", "subjects": ["roll.>"], "allow_rollup_hdrs": True})
    await api("puback_roll_1", "roll.a", "1")
    await api("puback_roll_2", "roll.b", "2")
    await api("puback_rollup_sub", "roll.a", "3", headers={"Nats-Rollup": "sub"})
    await api("puback_rollup_all", "roll.b", "4", headers={"Nats-Rollup": "all"})
    await api("stream_info_ROLL_after_rollups", "$JS.API.STREAM.INFO.ROLL", None)
    await api("stream_create_SEAL", "$JS.API.STREAM.CREATE.SEAL", {"name": "SEAL", "subjects": ["seal"]})
    await api("puback_seal_1", "seal", "1")
    await api("stream_update_seal", "$JS.API.STREAM.UPDATE.SEAL", {"name": "SEAL", "subjects": ["seal"], "sealed": True})
    await api("puback_sealed_stream", "seal", "2")
    await api("purge_sealed_stream", "$JS.API.STREAM.PURGE.SEAL", None)
    await api("msg_delete_sealed_stream", "$JS.API.STREAM.MSG.DELETE.SEAL", {"seq": 1})
    await api("stream_update_unseal_error", "$JS.API.STREAM.UPDATE.SEAL", {"name": "SEAL", "subjects": ["seal"], "sealed": False})
    await api("puback_no_stream_no_responders", "nostream.here", "x")


async def misc(r):
    note = "no reply at all (no 503 either): the server itself subscribes to $JS.API.>"
    await r.api("unknown_api_subject", "$JS.API.FOO", None, timeout=1, note=note)
    await r.api("unknown_api_subject_stream_verb", "$JS.API.STREAM.FROB.S", None, timeout=1, note=note)
    await r.api("account_info_with_body", "$JS.API.INFO", {"x": 1})
    await r.api("stream_delete", "$JS.API.STREAM.DELETE.NOSUBJ", None)
    await r.api("stream_delete_not_found", "$JS.API.STREAM.DELETE.NOSUBJ", None)
    await r.api("stream_delete_with_body", "$JS.API.STREAM.DELETE.SHORT", {"x": 1})
    await r.api("account_info_end", "$JS.API.INFO", None)


async def domain_run(port, out):
    srv = Server(port, domain="edge")
    try:
        srv.start()
        nc = await nats.connect(f"nats://127.0.0.1:{port}", connect_timeout=3, allow_reconnect=False)
        raw = RawClient(port)
        await raw.connect()
        r = Recorder(nc, raw)
        await r.api("domain_account_info", "$JS.API.INFO", None)
        await r.api("domain_account_info_domain_prefix", "$JS.edge.API.INFO", None)
        await r.api("domain_stream_create", "$JS.API.STREAM.CREATE.S", {"name": "S", "subjects": ["s.>"]})
        await r.api("domain_puback", "s.a", "1")
        await r.api("domain_puback_duplicate", "s.a", "1", headers={"Nats-Msg-Id": "x"})
        await r.api("domain_puback_duplicate_again", "s.a", "1", headers={"Nats-Msg-Id": "x"})
        await r.api("domain_puback_error", "s.a", "1", headers={"Nats-Expected-Stream": "T"})
        await r.api("domain_stream_info_domain_prefix", "$JS.edge.API.STREAM.INFO.S", None)
        await r.api("domain_stream_names_domain_prefix", "$JS.edge.API.STREAM.NAMES", None)
        await r.api("domain_consumer_create", "$JS.API.CONSUMER.DURABLE.CREATE.S.D",
                    {"stream_name": "S", "config": {"durable_name": "D", "ack_policy": "explicit"}})
        await r.msgs("domain_msg_next", "$JS.API.CONSUMER.MSG.NEXT.S.D", None, count=1, timeout=2)
        for e in r.entries:
            e["server"] = "domain-edge"
        await nc.close()
        await raw.close()
        return r.entries
    finally:
        srv.stop()


async def main_async(args):
    srv = Server(args.port)
    try:
        srv.start()
        nc = await nats.connect(f"nats://127.0.0.1:{args.port}", connect_timeout=3, allow_reconnect=False)
        raw = RawClient(args.port)
        await raw.connect()
        r = Recorder(nc, raw)
        for step in (streams, mirrors, direct_get, purge, consumers, pull, pubacks, misc):
            print(f"{step.__name__}:", file=sys.stderr)
            await step(r)
        await nc.close()
        await raw.close()
        entries = r.entries
    finally:
        srv.stop()
    print("domain:", file=sys.stderr)
    entries += await domain_run(args.domain_port, args.out)
    names = [e["name"] for e in entries]
    dupes = {n for n in names if names.count(n) > 1}
    assert not dupes, dupes
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        for e in entries:
            f.write(json.dumps(e, ensure_ascii=False, sort_keys=False) + "\n")
    print(f"wrote {len(entries)} fixtures to {args.out}", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=OUT_DEFAULT)
    ap.add_argument("--port", type=int, default=14501)
    ap.add_argument("--domain-port", type=int, default=14502)
    args = ap.parse_args()
    asyncio.run(asyncio.wait_for(main_async(args), 240))


if __name__ == "__main__":
    main()
