#ifndef APUS_CSHIMS_H
#define APUS_CSHIMS_H
#include <stddef.h>
#include <openssl/ssl.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <zlib.h>

/* Macros and varargs that Swift cannot import, wrapped as functions. */
long copenssl_SSL_CTX_set_mode(SSL_CTX *ctx, long mode);
int copenssl_SSL_set_tlsext_host_name(SSL *ssl, const char *name);
int copenssl_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version);
long copenssl_SSL_CTX_set_tlsext_servername_callback(SSL_CTX *ctx, int (*cb)(SSL *, int *, void *));
long copenssl_SSL_CTX_set_tlsext_servername_arg(SSL_CTX *ctx, void *arg);
long copenssl_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *groups);
long copenssl_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode);
long copenssl_SSL_CTX_clear_chain_certs(SSL_CTX *ctx);
long copenssl_SSL_CTX_add0_chain_cert(SSL_CTX *ctx, X509 *certificate);
long copenssl_SSL_set1_verify_cert_store(SSL *ssl, X509_STORE *store);
/* XN_FLAG_RFC2253, for subject and issuer DNs as nginx's $ssl_client_s_dn writes them. */
unsigned long copenssl_xn_flag_rfc2253(void);
/* SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_COMPRESSION (SSL_OP_BIT macros). */
uint64_t copenssl_apus_options(void);
long copenssl_BIO_get_mem_data(BIO *bio, char **data);
const char *copenssl_version_text(void);
/* Server session tickets under in-memory keys rotated every lifetime_seconds (tls_tickets.c). */
int capus_tls_use_rotating_tickets(SSL_CTX *ctx, long lifetime_seconds);
/* A socket BIO on fd that remembers whether its last read was short (tls_socket_bio.c). */
BIO *capus_tls_socket_bio(int fd);
void capus_tls_socket_bio_forget_reads(BIO *bio);
int capus_tls_socket_bio_read_was_short(BIO *bio);
size_t cpcre2_zero_terminated(void);
int czlib_deflateInit2(z_stream *stream, int level, int method, int windowBits, int memLevel, int strategy);
const char *czlib_version(void);


#include <sys/uio.h>
/* Raw recvfrom/sendto/writev through syscall(2): the libc wrappers are pthread cancellation
   points and spend about 30 instructions each entering and leaving asynchronous
   cancellation, which the event loop (no thread is ever cancelled) does not need. */
long capus_recv(int fd, void *buffer, size_t count);
long capus_send(int fd, const void *buffer, size_t count, int flags);
long capus_writev(int fd, const struct iovec *vectors, int count);
#endif
