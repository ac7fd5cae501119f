// libxcrypt (Debian libcrypt-dev): bcrypt, SHA-crypt, MD5-crypt and DES password hashes.
#include <crypt.h>
