#ifndef MERIDIAN_COPENSSL_SHIM_H
#define MERIDIAN_COPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>

/* Functions over OpenSSL macros and variadic calls, which Swift cannot import.
 * Every object they return is owned by one Swift wrapper (Sources/TLSCertificates). */

/* Never ask for a pass phrase: an encrypted key fails to load instead of prompting on a terminal. */
static inline int meridian_refuse_pass_phrase(char *buffer, int size, int rwflag, void *userdata) {
    (void)buffer; (void)size; (void)rwflag; (void)userdata;
    return -1;
}

static inline EVP_PKEY *meridian_read_private_key(BIO *bio) {
    return PEM_read_bio_PrivateKey(bio, NULL, meridian_refuse_pass_phrase, NULL);
}

static inline X509 *meridian_read_certificate(BIO *bio) {
    return PEM_read_bio_X509(bio, NULL, meridian_refuse_pass_phrase, NULL);
}

/* True when the error is PEM's "no start line": the input has no (further) PEM block of the kind asked for. */
static inline int meridian_error_is_no_start_line(unsigned long error) {
    return ERR_GET_LIB(error) == ERR_LIB_PEM && ERR_GET_REASON(error) == PEM_R_NO_START_LINE;
}

static inline int meridian_general_names_count(const GENERAL_NAMES *names) {
    return sk_GENERAL_NAME_num(names);
}

/* The i-th name's DNS value and its length, or NULL when it is not a DNS name. */
static inline const unsigned char *meridian_general_name_dns(const GENERAL_NAMES *names, int index, int *length) {
    const GENERAL_NAME *name = sk_GENERAL_NAME_value(names, index);
    if (name == NULL || name->type != GEN_DNS) return NULL;
    *length = ASN1_STRING_length(name->d.dNSName);
    return ASN1_STRING_get0_data(name->d.dNSName);
}

static inline GENERAL_NAMES *meridian_subject_alt_names(const X509 *certificate) {
    return (GENERAL_NAMES *)X509_get_ext_d2i(certificate, NID_subject_alt_name, NULL, NULL);
}

static inline void meridian_free_general_names(GENERAL_NAMES *names) {
    GENERAL_NAMES_free(names);
}

/* The bytes a memory BIO holds (valid until the BIO is written to or freed). */
static inline long meridian_memory_contents(BIO *bio, char **contents) {
    return BIO_get_mem_data(bio, contents);
}

static inline EVP_PKEY *meridian_generate_rsa_key(unsigned int bits) {
    return EVP_RSA_gen(bits);
}

static inline EVP_PKEY *meridian_generate_ec_key(const char *curve) {
    return EVP_EC_gen(curve);
}

static inline EVP_PKEY *meridian_generate_ed25519_key(void) {
    return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
}

#endif
