#ifndef TAXPAYER_ACCESS_CSODIUM_SHIM_H
#define TAXPAYER_ACCESS_CSODIUM_SHIM_H
#include <sodium.h>
/* POSIX threads for the core's Argon2id worker threads (Crypto/HashingThreads.swift), so the core module needs no
   import beyond CSodium, Synchronization and FoundationEssentials. */
#include <pthread.h>
#endif
