/* The webhook benchmark's receiver (bench/webhooks.sh): what scripts/webhook_receiver.py does for
 * the benchmark, in C, so that the receiver takes little of the two cores it shares with the
 * appliance (the Python one took 0.15-0.20 ms of CPU per request, a sixth of the machine at
 * 1,500 deliveries/s; a receiver on another host would take none).
 *
 *     cc -O2 -o webhook_sink bench/webhook_sink.c -lcrypto
 *     webhook_sink DIR PORT
 *
 * Like the Python receiver it checks both signatures of every request (GitHub's
 * `X-Webhook-Signature: sha256=<hex>` and, for a `whsec_` secret, Standard Webhooks'
 * `webhook-signature: v1,<base64>`) with the secret in DIR/<inbox>.secret, and appends one JSON
 * line per request to DIR/<inbox>.jsonl: {event_id, received_at, signature_valid,
 * standard_valid, body: {occurred_at}}. A URL is http://127.0.0.1:PORT/<inbox>/<mode>; modes:
 * `ok` (200 at once) and `slow-S` (200 after S seconds). One thread, epoll, HTTP/1.1 keep-alive;
 * the log is flushed whenever no request is waiting. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_FD 4096
#define MAX_INBOXES 64
#define MAX_DELAYED 1024

struct connection {
    char *data;
    size_t used, size;
};

struct inbox {
    char name[128];
    char secret[600];
    int has_secret;
    FILE *log;
};

struct delayed {
    int fd;
    double due;
};

static const char *dir;
static struct connection connections[MAX_FD];
static struct inbox inboxes[MAX_INBOXES];
static int inbox_count;
static struct delayed delayed[MAX_DELAYED];
static int delayed_count;
static const char ok_response[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static struct inbox *inbox_named(const char *name, size_t length) {
    for (int i = 0; i < inbox_count; i++)
        if (strlen(inboxes[i].name) == length && memcmp(inboxes[i].name, name, length) == 0) return &inboxes[i];
    if (inbox_count == MAX_INBOXES || length >= sizeof(inboxes[0].name)) return NULL;
    struct inbox *box = &inboxes[inbox_count++];
    memcpy(box->name, name, length);
    box->name[length] = 0;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.jsonl", dir, box->name);
    box->log = fopen(path, "a");
    if (!box->log) {
        perror("webhook_sink: the inbox's log");
        inbox_count--;
        return NULL;
    }
    setvbuf(box->log, NULL, _IOFBF, 1 << 16);
    return box;
}

/* The secret is read at the inbox's first signed request (the driver writes it before any). */
static const char *secret_of(struct inbox *box) {
    if (box->has_secret) return box->secret;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.secret", dir, box->name);
    FILE *file = fopen(path, "r");
    if (!file) return NULL;
    size_t length = fread(box->secret, 1, sizeof box->secret - 1, file);
    fclose(file);
    box->secret[length] = 0;
    box->has_secret = 1;
    return box->secret;
}

/* The value of header `name` (lowercase) in the head [start, end), or NULL; its length in *length. */
static const char *header(const char *start, const char *end, const char *name, size_t *length) {
    size_t name_length = strlen(name);
    for (const char *line = memchr(start, '\n', end - start); line && line + 1 < end; line = memchr(line + 1, '\n', end - line - 1)) {
        const char *field = line + 1;
        if ((size_t)(end - field) <= name_length || field[name_length] != ':' || strncasecmp(field, name, name_length) != 0) continue;
        const char *value = field + name_length + 1;
        while (value < end && *value == ' ') value++;
        const char *stop = value;
        while (stop < end && *stop != '\r' && *stop != '\n') stop++;
        *length = stop - value;
        return value;
    }
    return NULL;
}

static int github_valid(const char *secret, const char *body, size_t body_length, const char *given, size_t given_length) {
    unsigned char digest[32];
    unsigned int digest_length = 0;
    HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)body, body_length, digest, &digest_length);
    char expected[7 + 64 + 1] = "sha256=";
    for (int i = 0; i < 32; i++) sprintf(expected + 7 + 2 * i, "%02x", digest[i]);
    return given && given_length == 71 && memcmp(expected, given, 71) == 0;
}

static int standard_valid(const char *secret, const char *id, size_t id_length, const char *stamp, size_t stamp_length,
                          const char *body, size_t body_length, const char *given, size_t given_length) {
    if (!id || !stamp || !given) return 0;
    unsigned char key[512];
    int key_length = EVP_DecodeBlock(key, (const unsigned char *)secret + 6, (int)strlen(secret + 6));
    if (key_length < 0) return 0;
    for (const char *end = secret + 6 + strlen(secret + 6); end > secret + 6 && end[-1] == '='; end--) key_length--;
    size_t content_length = id_length + 1 + stamp_length + 1 + body_length;
    char *content = malloc(content_length);
    memcpy(content, id, id_length);
    content[id_length] = '.';
    memcpy(content + id_length + 1, stamp, stamp_length);
    content[id_length + 1 + stamp_length] = '.';
    memcpy(content + id_length + stamp_length + 2, body, body_length);
    unsigned char digest[32];
    unsigned int digest_length = 0;
    HMAC(EVP_sha256(), key, key_length, (unsigned char *)content, content_length, digest, &digest_length);
    free(content);
    unsigned char encoded[64];
    int encoded_length = EVP_EncodeBlock(encoded, digest, 32);
    /* space-separated `v1,<base64>` entries */
    for (const char *part = given; part < given + given_length;) {
        const char *stop = memchr(part, ' ', given + given_length - part);
        if (!stop) stop = given + given_length;
        if (stop - part == 3 + encoded_length && memcmp(part, "v1,", 3) == 0 && memcmp(part + 3, encoded, encoded_length) == 0) return 1;
        part = stop + 1;
    }
    return 0;
}

/* The JSON string value of "key" in the body (the appliance writes it without escapes). */
static void json_string(const char *body, size_t length, const char *key, char *out, size_t out_size) {
    out[0] = 0;
    const char *found = memmem(body, length, key, strlen(key));
    if (!found) return;
    const char *value = memchr(found + strlen(key), '"', body + length - found - strlen(key));
    if (!value) return;
    const char *stop = memchr(value + 1, '"', body + length - value - 1);
    if (!stop || (size_t)(stop - value - 1) >= out_size) return;
    memcpy(out, value + 1, stop - value - 1);
    out[stop - value - 1] = 0;
}

static void answer(int fd) {
    if (write(fd, ok_response, sizeof ok_response - 1) < 0) {
        /* the client went away: its connection closes at the next read */
    }
}

/* One whole request at `request`: logs it and answers (or schedules the answer). */
static void handle(int fd, const char *request, const char *head_end, const char *body, size_t body_length) {
    double received = now();
    const char *path = memchr(request, ' ', head_end - request);
    if (!path) return;
    path++;
    while (*path == '/') path++;
    const char *path_end = path;
    while (path_end < head_end && *path_end != ' ') path_end++;
    const char *slash = memchr(path, '/', path_end - path);
    const char *name_end = slash ? slash : path_end;
    struct inbox *box = inbox_named(path, name_end - path);
    size_t id_length = 0, signature_length = 0, wid_length = 0, stamp_length = 0, standard_length = 0;
    const char *id = header(request, head_end, "x-webhook-id", &id_length);
    const char *signature = header(request, head_end, "x-webhook-signature", &signature_length);
    const char *wid = header(request, head_end, "webhook-id", &wid_length);
    const char *stamp = header(request, head_end, "webhook-timestamp", &stamp_length);
    const char *standard = header(request, head_end, "webhook-signature", &standard_length);
    const char *secret = box ? secret_of(box) : NULL;
    int github = secret && github_valid(secret, body, body_length, signature, signature_length);
    int standard_ok = secret && strncmp(secret, "whsec_", 6) == 0 &&
                      standard_valid(secret, wid, wid_length, stamp, stamp_length, body, body_length, standard, standard_length);
    char occurred[64];
    json_string(body, body_length, "\"occurred_at\":", occurred, sizeof occurred);
    if (box)
        fprintf(box->log,
                "{\"event_id\": \"%.*s\", \"received_at\": %.6f, \"signature_valid\": %s, \"standard_valid\": %s, "
                "\"body\": {\"occurred_at\": \"%s\"}}\n",
                (int)id_length, id ? id : "", received, github ? "true" : "false", standard_ok ? "true" : "false", occurred);
    double delay = 0;
    if (slash && path_end - slash > 6 && memcmp(slash + 1, "slow-", 5) == 0) delay = atof(slash + 6);
    if (delay > 0 && delayed_count < MAX_DELAYED) {
        delayed[delayed_count++] = (struct delayed){fd, received + delay};
    } else {
        answer(fd);
    }
}

static void close_connection(int epoll, int fd) {
    epoll_ctl(epoll, EPOLL_CTL_DEL, fd, NULL);
    close(fd);
    connections[fd].used = 0;
    for (int i = 0; i < delayed_count; i++)
        if (delayed[i].fd == fd) delayed[i--] = delayed[--delayed_count];
}

static void readable(int epoll, int fd) {
    struct connection *c = &connections[fd];
    for (;;) {
        if (c->size - c->used < 65536) {
            c->size = c->size ? c->size * 2 : 131072;
            c->data = realloc(c->data, c->size);
        }
        ssize_t got = read(fd, c->data + c->used, c->size - c->used);
        if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
            close_connection(epoll, fd);
            return;
        }
        if (got < 0) break;
        c->used += got;
    }
    size_t offset = 0;
    for (;;) {
        char *request = c->data + offset;
        char *head_end = memmem(request, c->used - offset, "\r\n\r\n", 4);
        if (!head_end) break;
        size_t length_size = 0;
        const char *length_value = header(request, head_end + 2, "content-length", &length_size);
        size_t body_length = length_value ? strtoul(length_value, NULL, 10) : 0;
        char *body = head_end + 4;
        if ((size_t)(body - c->data) + body_length > c->used) break;
        handle(fd, request, head_end + 2, body, body_length);
        offset = body - c->data + body_length;
    }
    memmove(c->data, c->data + offset, c->used - offset);
    c->used -= offset;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: webhook_sink DIR PORT\n");
        return 2;
    }
    dir = argv[1];
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2])), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(listener, (struct sockaddr *)&address, sizeof address) < 0 || listen(listener, 512) < 0) {
        perror("webhook_sink: bind");
        return 1;
    }
    int epoll = epoll_create1(0);
    struct epoll_event event = {.events = EPOLLIN, .data.fd = listener};
    epoll_ctl(epoll, EPOLL_CTL_ADD, listener, &event);
    struct epoll_event events[64];
    int timeout = 0;
    for (;;) {
        int ready = epoll_wait(epoll, events, 64, timeout);
        if (ready <= 0) {
            for (int i = 0; i < inbox_count; i++) fflush(inboxes[i].log);
        }
        for (int i = 0; i < ready; i++) {
            int fd = events[i].data.fd;
            if (fd == listener) {
                int client;
                while ((client = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    if (client >= MAX_FD) {
                        close(client);
                        continue;
                    }
                    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct epoll_event client_event = {.events = EPOLLIN, .data.fd = client};
                    epoll_ctl(epoll, EPOLL_CTL_ADD, client, &client_event);
                }
            } else {
                readable(epoll, fd);
            }
        }
        double current = now(), next_due = 0;
        for (int i = 0; i < delayed_count; i++) {
            if (delayed[i].due <= current) {
                answer(delayed[i].fd);
                delayed[i--] = delayed[--delayed_count];
            } else if (next_due == 0 || delayed[i].due < next_due) {
                next_due = delayed[i].due;
            }
        }
        /* Block when idle (after the flush above); poll once more after a busy round. */
        if (ready > 0) timeout = 0;
        else timeout = next_due ? (int)((next_due - current) * 1000) + 1 : -1;
    }
}
