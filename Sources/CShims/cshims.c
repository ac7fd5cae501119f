#include "cshims.h"

long copenssl_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_mode(ctx, mode); }
int copenssl_SSL_set_tlsext_host_name(SSL *ssl, const char *name) { return (int)SSL_set_tlsext_host_name(ssl, name); }
int copenssl_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) { return (int)SSL_CTX_set_min_proto_version(ctx, version); }
long copenssl_SSL_CTX_set_tlsext_servername_callback(SSL_CTX *ctx, int (*cb)(SSL *, int *, void *)) {
    return SSL_CTX_set_tlsext_servername_callback(ctx, cb);
}
long copenssl_SSL_CTX_set_tlsext_servername_arg(SSL_CTX *ctx, void *arg) { return SSL_CTX_set_tlsext_servername_arg(ctx, arg); }
long copenssl_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *groups) { return SSL_CTX_set1_groups_list(ctx, groups); }
long copenssl_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_session_cache_mode(ctx, mode); }
uint64_t copenssl_apus_options(void) { return SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_COMPRESSION; }
long copenssl_BIO_get_mem_data(BIO *bio, char **data) { return BIO_get_mem_data(bio, data); }
const char *copenssl_version_text(void) { return OpenSSL_version(OPENSSL_VERSION); }
size_t cpcre2_zero_terminated(void) { return PCRE2_ZERO_TERMINATED; }
int czlib_deflateInit2(z_stream *stream, int level, int method, int windowBits, int memLevel, int strategy) {
    return deflateInit2(stream, level, method, windowBits, memLevel, strategy);
}
const char *czlib_version(void) { return zlibVersion(); }

#include <sys/syscall.h>
#include <unistd.h>
long capus_recv(int fd, void *buffer, size_t count) { return syscall(SYS_recvfrom, fd, buffer, count, 0, (void *)0, (void *)0); }
long capus_send(int fd, const void *buffer, size_t count, int flags) { return syscall(SYS_sendto, fd, buffer, count, flags, (void *)0, 0); }
long capus_writev(int fd, const struct iovec *vectors, int count) { return syscall(SYS_writev, fd, vectors, count); }

// Macros over SSL_CTX_ctrl, for chains loaded from memory (PEM in a Kubernetes Secret).
long copenssl_SSL_CTX_clear_chain_certs(SSL_CTX *ctx) {
    return SSL_CTX_clear_chain_certs(ctx);
}

long copenssl_SSL_CTX_add0_chain_cert(SSL_CTX *ctx, X509 *certificate) {
    return SSL_CTX_add0_chain_cert(ctx, certificate);
}

long copenssl_SSL_set1_verify_cert_store(SSL *ssl, X509_STORE *store) { return SSL_set1_verify_cert_store(ssl, store); }
unsigned long copenssl_xn_flag_rfc2253(void) { return XN_FLAG_RFC2253; }
