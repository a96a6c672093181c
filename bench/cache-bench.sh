#!/usr/bin/env bash
# Cache hits and compression: Gatehouse's proxy-cache and compression plugins beside nginx's proxy_cache and
# gzip, in one run, on this machine. Each proxy runs alone on CPU 1 (one nginx worker, one Gatehouse event loop),
# wrk on CPU 0, an nginx origin on CPU 0 too (it is barely touched: hits do not reach it).
#
#   bench/cache-bench.sh [JAR] [ROUNDS] [SECONDS]
#
# Prints req/s, p99 latency and CPU microseconds per request for each proxy and profile, and the compressed sizes
# of a 64 KiB JSON body. Needs nginx, wrk and curl (apt-get install nginx wrk curl).
set -euo pipefail
JAR=${1:-target/gatehouse.jar}
ROUNDS=${2:-3}
SECS=${3:-10}
DIR=$(mktemp -d /tmp/cache-bench.XXXX)
ORIGIN=18181 NGINX=18182 GH=18183
trap 'kill $(cat $DIR/*.pid $DIR/origin/*.pid 2>/dev/null) 2>/dev/null || true' EXIT

python3 - "$DIR" <<'PY'
import json, sys, random
random.seed(7)
items = []
while len(json.dumps(items)) < 64 * 1024 - 200:
    i = len(items)
    items.append({"id": i, "sku": "SKU-%06d" % (i * 7919 % 1000000), "name": "item %d" % i,
                  "price": round(random.random() * 100, 2), "tags": random.sample(["a", "b", "c", "d", "e"], 2),
                  "in_stock": i % 3 != 0})
open(sys.argv[1] + "/64k.json", "w").write(json.dumps(items))
open(sys.argv[1] + "/1k.json", "w").write(json.dumps(items[:12]))
PY

mkdir -p "$DIR/logs" "$DIR/cache" "$DIR/origin/logs"
# nginx workers run as an unprivileged user: they read the files and write the cache
chmod 755 "$DIR"; chmod 644 "$DIR"/*.json; chmod 777 "$DIR/cache"
cat > "$DIR/origin/nginx.conf" <<CONF
worker_processes 1;
pid $DIR/origin/nginx.pid;
error_log $DIR/origin/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$ORIGIN backlog=4096;
    root $DIR;
    location / { add_header Cache-Control "max-age=3600"; default_type application/json; }
  }
}
CONF
cat > "$DIR/nginx.conf" <<CONF
worker_processes 1;
pid $DIR/nginx.pid;
error_log $DIR/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  proxy_cache_path $DIR/cache keys_zone=hits:10m max_size=256m inactive=10m;
  upstream origin { server 127.0.0.1:$ORIGIN; keepalive 512; }
  server {
    listen 127.0.0.1:$NGINX backlog=4096;
    gzip_types application/json;
    location /gzip/ {
      gzip on; gzip_comp_level 6; gzip_min_length 1024;
      proxy_http_version 1.1; proxy_set_header Connection ""; proxy_pass http://origin/;
    }
    location / {
      proxy_cache hits; proxy_cache_lock on;
      add_header X-Cache-Status \$upstream_cache_status;
      proxy_http_version 1.1; proxy_set_header Connection ""; proxy_pass http://origin;
    }
  }
}
CONF
cat > "$DIR/gatehouse.yaml" <<CONF
listeners:
  - name: public
    address: 127.0.0.1:$GH
worker_threads: 1
upstreams:
  - name: origin
    targets: [{ address: "127.0.0.1:$ORIGIN" }]
    keepalive: { max_idle_per_target: 512 }
services:
  - { name: origin, upstream: origin }
routes:
  - name: gzip
    service: origin
    paths: ["/gzip/"]
    plugins:
      - { name: compression, config: { encodings: [gzip], gzip_level: 6 } }
  - name: br
    service: origin
    paths: ["/br/"]
    plugins:
      - { name: compression, config: { encodings: [br] } }
  - name: zstd
    service: origin
    paths: ["/zstd/"]
    plugins:
      - { name: compression, config: { encodings: [zstd] } }
  - name: cached
    service: origin
    paths: ["/"]
    strip_path: false
    plugins:
      - name: proxy-cache
access_log: { target: off }
CONF

taskset -c 0 nginx -p "$DIR/origin" -c "$DIR/origin/nginx.conf"
taskset -c 1 nginx -p "$DIR" -c "$DIR/nginx.conf"
sleep 0.5
NGINX_PID=$(pgrep -P "$(cat "$DIR/nginx.pid")" -f "worker process")
taskset -c 1 java -Xms256m -Xmx256m -jar "$JAR" run -c "$DIR/gatehouse.yaml" > "$DIR/logs/gatehouse.log" 2>&1 &
echo $! > "$DIR/gatehouse.pid"
GH_PID=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$GH/1k.json" -o /dev/null && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$GH/1k.json" -o /dev/null || { cat "$DIR/logs/gatehouse.log"; exit 1; }

cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TICK=$(getconf CLK_TCK)

measure() { # name pid url [header]
  local name=$1 pid=$2 url=$3 header=${4:-}
  local before after out reqs
  before=$(cpu "$pid")
  if [ -n "$header" ]; then
    out=$(taskset -c 0 wrk -t1 -c50 -d"${SECS}s" --latency -H "$header" "$url")
  else
    out=$(taskset -c 0 wrk -t1 -c50 -d"${SECS}s" --latency "$url")
  fi
  after=$(cpu "$pid")
  reqs=$(echo "$out" | awk '/requests in/ {print $1}')
  printf '%-28s %10s req/s  p99 %8s  CPU %6.1f us/req\n' "$name" \
    "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" "$(echo "$out" | awk '/ 99%/ {print $2}')" \
    "$(echo "($after - $before) * 1000000 / $TICK / $reqs" | bc -l)"
}

echo "# warm-up (Gatehouse JIT: 30 s)"
curl -s -o /dev/null -D - "http://127.0.0.1:$NGINX/1k.json" | grep -i x-cache || true
curl -s -o /dev/null -D - "http://127.0.0.1:$GH/1k.json" | grep -i x-cache || true
taskset -c 0 wrk -t1 -c50 -d30s "http://127.0.0.1:$GH/1k.json" > /dev/null
taskset -c 0 wrk -t1 -c50 -d5s "http://127.0.0.1:$NGINX/1k.json" > /dev/null
taskset -c 0 wrk -t1 -c50 -d10s "http://127.0.0.1:$GH/64k.json" > /dev/null
taskset -c 0 wrk -t1 -c10 -d10s -H 'Accept-Encoding: gzip' "http://127.0.0.1:$GH/gzip/64k.json" > /dev/null
curl -s -o /dev/null -D - "http://127.0.0.1:$GH/1k.json" | grep -i x-cache-status

for round in $(seq "$ROUNDS"); do
  echo "# round $round"
  measure "nginx proxy_cache hit 1k" "$NGINX_PID" "http://127.0.0.1:$NGINX/1k.json"
  measure "gatehouse proxy-cache hit 1k" "$GH_PID" "http://127.0.0.1:$GH/1k.json"
  measure "nginx proxy_cache hit 64k" "$NGINX_PID" "http://127.0.0.1:$NGINX/64k.json"
  measure "gatehouse proxy-cache hit 64k" "$GH_PID" "http://127.0.0.1:$GH/64k.json"
  measure "nginx gzip 64k" "$NGINX_PID" "http://127.0.0.1:$NGINX/gzip/64k.json" 'Accept-Encoding: gzip'
  measure "gatehouse gzip 64k" "$GH_PID" "http://127.0.0.1:$GH/gzip/64k.json" 'Accept-Encoding: gzip'
  measure "gatehouse br 64k" "$GH_PID" "http://127.0.0.1:$GH/br/64k.json" 'Accept-Encoding: br'
  measure "gatehouse zstd 64k" "$GH_PID" "http://127.0.0.1:$GH/zstd/64k.json" 'Accept-Encoding: zstd'
done

echo "# compressed sizes of the 64 KiB body ($(stat -c %s "$DIR/64k.json") bytes)"
for enc in gzip br zstd; do
  printf '%-6s gatehouse %7s bytes\n' "$enc" \
    "$(curl -s -H "Accept-Encoding: $enc" "http://127.0.0.1:$GH/$enc/64k.json" | wc -c)"
done
printf 'gzip   nginx     %7s bytes\n' "$(curl -s -H 'Accept-Encoding: gzip' "http://127.0.0.1:$NGINX/gzip/64k.json" | wc -c)"
