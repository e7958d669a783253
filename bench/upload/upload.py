"""Uploads a generated CSV file of values to a running Vantage demo and times it, against PostgreSQL COPY
of the same file. Prints a table and a JSON line."""

import http.cookiejar
import json
import os
import subprocess
import sys
import time
import urllib.request

url, rows_wanted, work = sys.argv[1], int(sys.argv[2]), sys.argv[3]
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def call(method, path, body=None, content_type="application/json"):
    request = urllib.request.Request(url + path, data=body, method=method)
    if body is not None:
        request.add_header("Content-Type", content_type)
    with opener.open(request, timeout=600) as response:
        return json.load(response)


call("POST", "/api/v1/session", json.dumps({"username": "admin", "password": "demo-admin-2026"}).encode())
indicators = [
    i["code"]
    for i in call("GET", "/api/v1/indicators?limit=1000")["items"]
    if i["frequency"] == "month" and "commune" in i["levels"].split("+") and not i["formula"] and not i["computed"]
]
communes = [u["code"] for u in call("GET", "/api/v1/units?level=commune&limit=1000")["items"]]
# Months after the demo's history, so that every row is a new value and none is locked.
months = [f"{2027 + m // 12}{m % 12 + 1:02d}" for m in range(60)]
lines = ["indicator,unit,period,value,comment"]
for month in months:
    for indicator in indicators:
        for unit in communes:
            if len(lines) > rows_wanted:
                break
            lines.append(f"{indicator},{unit},{month},{(len(lines) * 37) % 1000 + 0.5},")
body = ("\n".join(lines) + "\n").encode()
rows = len(lines) - 1
path = os.path.join(work + ".csv")
with open(path, "wb") as file:
    file.write(body)


def upload():
    start = time.perf_counter()
    answer = call("POST", "/api/v1/uploads/observations", body, "text/csv")
    return time.perf_counter() - start, answer


first_seconds, first = upload()
again_seconds, again = upload()
assert first["created"] == rows and not first["rejected"], first
assert again["unchanged"] == rows, again

postgres = os.environ.get("VANTAGE_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/test")
copy_seconds = None
try:
    setup = "DROP TABLE IF EXISTS bench_upload; CREATE TABLE bench_upload (indicator text, unit text, period text, value double precision, comment text, PRIMARY KEY (indicator, unit, period));"
    subprocess.run(["psql", postgres, "-qc", setup], check=True, capture_output=True)
    start = time.perf_counter()
    subprocess.run(
        ["psql", postgres, "-qc", f"\\copy bench_upload FROM '{path}' WITH (FORMAT csv, HEADER true)"],
        check=True,
        capture_output=True,
    )
    copy_seconds = time.perf_counter() - start
    subprocess.run(["psql", postgres, "-qc", "DROP TABLE bench_upload"], check=True, capture_output=True)
except (OSError, subprocess.CalledProcessError) as error:
    print(f"PostgreSQL baseline skipped: {error}", file=sys.stderr)

print(f"{'measure':<44} {'figure':>14}")
print(f"{'rows (file size)':<44} {rows:>8} ({len(body) / 1e6:.1f} MB)")
print(f"{'upload: checked, durable, in the engine':<44} {first_seconds:>12.2f} s  ({rows / first_seconds:,.0f} rows/s; goal < 10 s)")
print(f"{'same file again (nothing changes)':<44} {again_seconds:>12.2f} s")
if copy_seconds is not None:
    print(f"{'PostgreSQL COPY of the same file (baseline)':<44} {copy_seconds:>12.2f} s  (Vantage takes {first_seconds / copy_seconds:.1f}x as long, checks included)")
print(json.dumps({
    "rows": rows,
    "upload_s": round(first_seconds, 3),
    "upload_rows_per_s": round(rows / first_seconds),
    "reupload_s": round(again_seconds, 3),
    "pg_copy_s": None if copy_seconds is None else round(copy_seconds, 3),
}))
