/* A socket BIO that remembers whether its last read came back short (the socket's receive
   queue was emptied), so the event loop can treat a TLS connection like a plaintext one:
   after a short read, edge-triggered epoll reports the next bytes, and no read has to be
   spent on EAGAIN. Reads and writes go through the plaintext path's system calls, and
   writes use MSG_NOSIGNAL (capus_recv and capus_send of cshims.c). */
#include "cshims.h"
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>

typedef struct {
    int fd;
    int last_read_short;
} socket_state;

static int bio_read(BIO *bio, char *out, int length) {
    socket_state *state = BIO_get_data(bio);
    BIO_clear_retry_flags(bio);
    long n = capus_recv(state->fd, out, (size_t)length);
    if (n > 0) {
        state->last_read_short = n < length;
        return (int)n;
    }
    state->last_read_short = 1;
    if (n == 0) return 0;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) BIO_set_retry_read(bio);
    return -1;
}

static int bio_write(BIO *bio, const char *in, int length) {
    socket_state *state = BIO_get_data(bio);
    BIO_clear_retry_flags(bio);
    long n = capus_send(state->fd, in, (size_t)length, MSG_NOSIGNAL);
    if (n >= 0) return (int)n;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) BIO_set_retry_write(bio);
    return -1;
}

static long bio_ctrl(BIO *bio, int command, long number, void *pointer) {
    (void)bio; (void)number; (void)pointer;
    /* Nothing is buffered here, so a flush is always complete. */
    return command == BIO_CTRL_FLUSH ? 1 : 0;
}

static int bio_create(BIO *bio) {
    BIO_set_init(bio, 1);
    return 1;
}

static int bio_destroy(BIO *bio) {
    free(BIO_get_data(bio));
    BIO_set_data(bio, NULL);
    return 1;
}

static BIO_METHOD *socket_method;
static pthread_once_t socket_method_once = PTHREAD_ONCE_INIT;

static void make_socket_method(void) {
    BIO_METHOD *method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "apus socket");
    if (!method) return;
    BIO_meth_set_read(method, bio_read);
    BIO_meth_set_write(method, bio_write);
    BIO_meth_set_ctrl(method, bio_ctrl);
    BIO_meth_set_create(method, bio_create);
    BIO_meth_set_destroy(method, bio_destroy);
    socket_method = method;
}

BIO *capus_tls_socket_bio(int fd) {
    pthread_once(&socket_method_once, make_socket_method);
    if (!socket_method) return NULL;
    socket_state *state = calloc(1, sizeof *state);
    if (!state) return NULL;
    BIO *bio = BIO_new(socket_method);
    if (!bio) {
        free(state);
        return NULL;
    }
    state->fd = fd;
    BIO_set_data(bio, state);
    return bio;
}

void capus_tls_socket_bio_forget_reads(BIO *bio) {
    ((socket_state *)BIO_get_data(bio))->last_read_short = 0;
}

int capus_tls_socket_bio_read_was_short(BIO *bio) {
    return ((socket_state *)BIO_get_data(bio))->last_read_short;
}
