/*
 * viaduct-cni: the CNI plugin binary runtimes exec once per pod.
 *
 * A JVM per exec would cost ~80 ms and ~32 MiB, so this shim only forwards the request to the node agent
 * over its unix socket and prints the agent's answer. Every decision (parsing, IPAM, netlink, errors) is
 * made by the agent in Java. The shim itself answers only:
 *   - VERSION (needs no agent), and
 *   - "agent unreachable": the CNI error object with code 11 (try again later), or 50 (plugin not
 *     available) for STATUS, per the CNI spec's well-known error codes.
 *
 * Wire format (all integers big-endian u32), see dev.viaduct.cni.ShimProtocol:
 *   request:  "VCNI" version(1) | count | count x (len | "KEY=VALUE") | len | stdin bytes
 *   reply:    "VCNR" version(1) | exit code | len | stdout bytes | len | stderr bytes
 * Only CNI_* environment variables are forwarded.
 *
 * The agent socket is, in order: $VIADUCT_CNI_SOCKET, the "agentSocket" string of the network config on
 * stdin (so one machine can run several agents, as the lab does), /run/viaduct/cni.sock.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define DEFAULT_SOCKET "/run/viaduct/cni.sock"
#define MAX_STDIN (16u << 20)
#define MAX_REPLY (16u << 20)
#define SUPPORTED "[\"0.4.0\",\"1.0.0\",\"1.1.0\"]"

extern char **environ;

static char cni_version[32] = "1.1.0";

/* Writes s as a JSON string body (quotes excluded). */
static void json_escape(FILE *f, const char *s) {
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
}

/* The CNI error object on stdout and exit status 1: what a runtime expects from a failed plugin. */
static int fail(int code, const char *msg, const char *details) {
    printf("{\"cniVersion\":\"");
    json_escape(stdout, cni_version);
    printf("\",\"code\":%d,\"msg\":\"", code);
    json_escape(stdout, msg);
    printf("\",\"details\":\"");
    json_escape(stdout, details);
    printf("\"}\n");
    fflush(stdout);
    return 1;
}

/*
 * Finds the string value of top-level-looking "key" in a JSON text. Deliberately minimal: no escapes, no
 * nesting awareness; returns 0 when not found or not a plain string. The agent re-validates everything.
 */
static int json_string(const char *json, size_t len, const char *key, char *out, size_t outlen) {
    size_t klen = strlen(key);
    for (size_t i = 0; i + klen + 2 <= len; i++) {
        if (json[i] != '"' || memcmp(json + i + 1, key, klen) != 0 || json[i + 1 + klen] != '"') continue;
        size_t j = i + klen + 2;
        while (j < len && (json[j] == ' ' || json[j] == '\t' || json[j] == '\n' || json[j] == '\r')) j++;
        if (j >= len || json[j] != ':') continue;
        j++;
        while (j < len && (json[j] == ' ' || json[j] == '\t' || json[j] == '\n' || json[j] == '\r')) j++;
        if (j >= len || json[j] != '"') return 0;
        j++;
        size_t n = 0;
        while (j < len && json[j] != '"' && json[j] != '\\' && n + 1 < outlen) out[n++] = json[j++];
        if (j >= len || json[j] != '"') return 0;
        out[n] = 0;
        return n > 0;
    }
    return 0;
}

/*
 * RFC 8259 well-formedness only (structure, strings with escapes, numbers, literals); no values are kept.
 * Nesting deeper than MAX_DEPTH is refused rather than allocated for: no network config nests like that.
 * Returns 0 when json[0..len) is one JSON value with optional surrounding whitespace, else sets *where to the
 * offset of the first offending byte.
 */
#define MAX_DEPTH 64

static size_t skip_ws(const char *s, size_t i, size_t len) {
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
    return i;
}

/* s[i] is '"': returns the offset after the closing quote, or 0. */
static size_t scan_string(const char *s, size_t i, size_t len) {
    for (i++; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"') return i + 1;
        if (c < 0x20) return 0;
        if (c != '\\') continue;
        if (++i >= len) return 0;
        if (s[i] == 'u') {
            for (int k = 0; k < 4; k++) {
                if (++i >= len) return 0;
                char h = s[i];
                if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F'))) return 0;
            }
        } else if (!strchr("\"\\/bfnrt", s[i]) || s[i] == 0) {
            return 0;
        }
    }
    return 0;
}

static size_t scan_digits(const char *s, size_t i, size_t len) {
    size_t start = i;
    while (i < len && s[i] >= '0' && s[i] <= '9') i++;
    return i > start ? i : 0;
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?: returns the offset after it, or 0. */
static size_t scan_number(const char *s, size_t i, size_t len) {
    if (i < len && s[i] == '-') i++;
    if (i < len && s[i] == '0') i++;
    else if (!(i = scan_digits(s, i, len))) return 0;
    if (i < len && s[i] == '.' && !(i = scan_digits(s, i + 1, len))) return 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-')) i++;
        if (!(i = scan_digits(s, i, len))) return 0;
    }
    return i;
}

static int json_well_formed(const char *s, size_t len, size_t *where) {
    char stack[MAX_DEPTH]; /* '{' or '[' per open container */
    int depth = 0;
    size_t i = skip_ws(s, 0, len), next;
    for (;;) {
        /* A value is expected at i. */
        if (i >= len) goto bad;
        char c = s[i];
        if (c == '{' || c == '[') {
            if (depth == MAX_DEPTH) goto bad;
            stack[depth++] = c;
            i = skip_ws(s, i + 1, len);
            if (i < len && s[i] == (c == '{' ? '}' : ']')) {
                depth--;
                i++;
                goto after_value;
            }
            if (c == '[') continue;
            goto key;
        }
        if (c == '"') next = scan_string(s, i, len);
        else if (c == '-' || (c >= '0' && c <= '9')) next = scan_number(s, i, len);
        else if (len - i >= 4 && memcmp(s + i, "true", 4) == 0) next = i + 4;
        else if (len - i >= 5 && memcmp(s + i, "false", 5) == 0) next = i + 5;
        else if (len - i >= 4 && memcmp(s + i, "null", 4) == 0) next = i + 4;
        else next = 0;
        if (!next) goto bad;
        i = next;
    after_value:
        i = skip_ws(s, i, len);
        if (depth == 0) {
            if (i == len) return 0;
            goto bad;
        }
        if (i >= len) goto bad;
        if (s[i] == (stack[depth - 1] == '{' ? '}' : ']')) {
            depth--;
            i++;
            goto after_value;
        }
        if (s[i] != ',') goto bad;
        i = skip_ws(s, i + 1, len);
        if (stack[depth - 1] == '[') continue;
    key:
        if (i >= len || s[i] != '"' || !(next = scan_string(s, i, len))) goto bad;
        i = skip_ws(s, next, len);
        if (i >= len || s[i] != ':') goto bad;
        i = skip_ws(s, i + 1, len);
    }
bad:
    *where = i;
    return -1;
}

static int write_all(int fd, const void *buf, size_t len) {
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int read_all(int fd, void *buf, size_t len) {
    char *p = buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int put_u32(int fd, uint32_t v) {
    unsigned char b[4] = {v >> 24, v >> 16, v >> 8, v};
    return write_all(fd, b, 4);
}

static int get_u32(int fd, uint32_t *v) {
    unsigned char b[4];
    if (read_all(fd, b, 4) < 0) return -1;
    *v = ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
    return 0;
}

static char *read_stdin(size_t *len) {
    size_t cap = 8192, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) return NULL;
    for (;;) {
        if (n == cap) {
            if (cap >= MAX_STDIN) { free(buf); errno = EFBIG; return NULL; }
            cap *= 2;
            char *nb = realloc(buf, cap + 1);
            if (!nb) { free(buf); return NULL; }
            buf = nb;
        }
        ssize_t r = read(0, buf + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) { free(buf); return NULL; }
        if (r == 0) break;
        n += (size_t)r;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

int main(void) {
    const char *command = getenv("CNI_COMMAND");
    if (command && strcmp(command, "VERSION") == 0) {
        printf("{\"cniVersion\":\"1.1.0\",\"supportedVersions\":" SUPPORTED "}\n");
        return 0;
    }
    int status = command && strcmp(command, "STATUS") == 0;
    int unreachable_code = status ? 50 : 11;

    size_t in_len = 0;
    char *in = read_stdin(&in_len);
    if (!in) return fail(5, "cannot read the network configuration from stdin", strerror(errno));
    /* The lenient scan may still find the version in broken JSON: the error is then in the runtime's version. */
    json_string(in, in_len, "cniVersion", cni_version, sizeof cni_version);
    size_t where = 0;
    if (json_well_formed(in, in_len, &where) != 0) {
        char details[128];
        snprintf(details, sizeof details, "the network configuration on stdin is not valid JSON (at byte %zu of %zu)",
                 where, in_len);
        return fail(6, "failed to decode the network configuration", details);
    }

    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    const char *env_path = getenv("VIADUCT_CNI_SOCKET");
    if (env_path && *env_path) {
        snprintf(path, sizeof path, "%s", env_path);
    } else if (!json_string(in, in_len, "agentSocket", path, sizeof path)) {
        snprintf(path, sizeof path, "%s", DEFAULT_SOCKET);
    }

    char details[512];
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(details, sizeof details, "socket: %s", strerror(errno));
        return fail(unreachable_code, "Viaduct agent unreachable", details);
    }
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        snprintf(details, sizeof details,
                 "connect %s: %s (is the viaduct agent running on this node?)", path, strerror(errno));
        return fail(unreachable_code, "Viaduct agent unreachable", details);
    }
    const char *t = getenv("VIADUCT_CNI_TIMEOUT_SECONDS");
    struct timeval tv = {.tv_sec = t && atoi(t) > 0 ? atoi(t) : 120};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);

    uint32_t count = 0;
    for (char **e = environ; *e; e++) if (strncmp(*e, "CNI_", 4) == 0) count++;
    int bad = write_all(fd, "VCNI\x01", 5) < 0 || put_u32(fd, count) < 0;
    for (char **e = environ; *e && !bad; e++) {
        if (strncmp(*e, "CNI_", 4) != 0) continue;
        size_t l = strlen(*e);
        bad = put_u32(fd, (uint32_t)l) < 0 || write_all(fd, *e, l) < 0;
    }
    bad = bad || put_u32(fd, (uint32_t)in_len) < 0 || write_all(fd, in, in_len) < 0;
    free(in);
    if (bad) {
        snprintf(details, sizeof details, "sending the request to %s: %s", path, strerror(errno));
        return fail(unreachable_code, "Viaduct agent unreachable", details);
    }
    shutdown(fd, SHUT_WR);

    char magic[5];
    uint32_t code, out_len, err_len;
    if (read_all(fd, magic, 5) < 0 || memcmp(magic, "VCNR\x01", 5) != 0 || get_u32(fd, &code) < 0
        || get_u32(fd, &out_len) < 0 || out_len > MAX_REPLY) {
        snprintf(details, sizeof details, "no valid reply from %s: %s", path,
                 errno == EAGAIN ? "timed out" : errno ? strerror(errno) : "bad reply header");
        return fail(unreachable_code, "Viaduct agent did not answer", details);
    }
    char *out = malloc(out_len + 1);
    if (!out || read_all(fd, out, out_len) < 0 || get_u32(fd, &err_len) < 0 || err_len > MAX_REPLY) {
        snprintf(details, sizeof details, "truncated reply from %s", path);
        return fail(unreachable_code, "Viaduct agent did not answer", details);
    }
    char *err = malloc(err_len + 1);
    if (!err || read_all(fd, err, err_len) < 0) {
        snprintf(details, sizeof details, "truncated reply from %s", path);
        return fail(unreachable_code, "Viaduct agent did not answer", details);
    }
    close(fd);
    write_all(1, out, out_len);
    write_all(2, err, err_len);
    return code > 255 ? 1 : (int)code;
}
