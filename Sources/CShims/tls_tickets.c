/* Session-ticket keys for every server SSL_CTX of the process, kept only in memory and
   rotated: the current key encrypts new tickets, the previous one still decrypts (and
   asks for a renewed ticket, as every TLS 1.3 resumption does), older tickets fall back
   to a full handshake. One store for all contexts so that a reload, which builds new
   contexts, keeps resumption working. */
#include "cshims.h"
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

typedef struct {
    unsigned char name[16];
    unsigned char aes[32];
    unsigned char hmac[32];
    time_t born;
    int valid;
} ticket_key;

static pthread_mutex_t keys_lock = PTHREAD_MUTEX_INITIALIZER;
static ticket_key keys[2]; /* [0] current, [1] previous */
static long rotation_seconds = 3600;

static int fresh_key(ticket_key *key, time_t now) {
    if (RAND_bytes(key->name, sizeof key->name) <= 0 || RAND_bytes(key->aes, sizeof key->aes) <= 0
        || RAND_bytes(key->hmac, sizeof key->hmac) <= 0) return 0;
    key->born = now;
    key->valid = 1;
    return 1;
}

/* Called with keys_lock held. */
static int rotate_if_due(time_t now) {
    if (keys[0].valid && now - keys[0].born < rotation_seconds) return 1;
    keys[1] = keys[0];
    return fresh_key(&keys[0], now);
}

static int use_hmac_key(EVP_MAC_CTX *hmac, unsigned char *key) {
    OSSL_PARAM params[3];
    params[0] = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, key, 32);
    params[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0);
    params[2] = OSSL_PARAM_construct_end();
    return EVP_MAC_CTX_set_params(hmac, params);
}

static int ticket_callback(SSL *ssl, unsigned char key_name[16], unsigned char *iv,
                           EVP_CIPHER_CTX *cipher, EVP_MAC_CTX *hmac, int encrypt) {
    ticket_key key;
    int which = -1;
    pthread_mutex_lock(&keys_lock);
    if (!rotate_if_due(time(NULL))) {
        pthread_mutex_unlock(&keys_lock);
        return -1;
    }
    if (encrypt) {
        key = keys[0];
        which = 0;
    } else {
        for (int i = 0; i < 2; i++) {
            if (keys[i].valid && memcmp(keys[i].name, key_name, 16) == 0) {
                key = keys[i];
                which = i;
                break;
            }
        }
    }
    pthread_mutex_unlock(&keys_lock);
    if (encrypt) {
        memcpy(key_name, key.name, 16);
        if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(EVP_aes_256_cbc())) <= 0) return -1;
        if (!EVP_EncryptInit_ex(cipher, EVP_aes_256_cbc(), NULL, key.aes, iv)) return -1;
        if (!use_hmac_key(hmac, key.hmac)) return -1;
        return 1;
    }
    if (which < 0) return 0; /* unknown or expired key: full handshake */
    if (!use_hmac_key(hmac, key.hmac)) return -1;
    if (!EVP_DecryptInit_ex(cipher, EVP_aes_256_cbc(), NULL, key.aes, iv)) return -1;
    /* 2: valid, and issue a new ticket. Under TLS 1.3 always: OpenSSL sends no ticket
       after a resumption unless asked, and a client that follows RFC 8446 C.4 (each
       ticket used once; OpenSSL's own client does) is then left without a session, so
       every other connection would do a full handshake. Under TLS 1.2 only when the
       ticket was made under the previous key. */
    return which == 0 && SSL_version(ssl) < TLS1_3_VERSION ? 1 : 2;
}

int capus_tls_use_rotating_tickets(SSL_CTX *ctx, long lifetime_seconds) {
    pthread_mutex_lock(&keys_lock);
    rotation_seconds = lifetime_seconds > 0 ? lifetime_seconds : 3600;
    pthread_mutex_unlock(&keys_lock);
    SSL_CTX_set_timeout(ctx, rotation_seconds);
    return SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_callback);
}
